"""Drives a running `hwoath mock` with Microsoft's official Graph beta SDK for Python (msgraph-beta-sdk).

Called by harness/cli/tests/python_sdk.rs with:
  HWOATH_BASE_URL   the mock's Graph base URL (http://127.0.0.1:PORT/beta)
  HWOATH_TOKEN      a bearer token the mock signed (admin application roles)
  HWOATH_CLOCK      the mock's frozen tenant time (Unix seconds)
  HWOATH_USER_UPN   a user of the mock's directory, addressed by userPrincipalName

Every step goes through the SDK's generated request builders and models, except the `$ref` assignment,
for which this SDK version generates no builder: that one is sent through the SDK's own request
adapter. Prints one line per step and exits non-zero at the first surprise.
"""

import asyncio
import base64
import hashlib
import hmac
import os
import struct
import uuid

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from msgraph_beta import GraphRequestAdapter, GraphServiceClient
from msgraph_beta.generated.models.authentication_method_state import AuthenticationMethodState
from msgraph_beta.generated.models.hardware_oath_authentication_method import (
    HardwareOathAuthenticationMethod,
)
from msgraph_beta.generated.models.hardware_oath_authentication_method_configuration import (
    HardwareOathAuthenticationMethodConfiguration,
)
from msgraph_beta.generated.models.hardware_oath_token_authentication_method_device import (
    HardwareOathTokenAuthenticationMethodDevice,
)
from msgraph_beta.generated.models.hardware_oath_token_hash_function import (
    HardwareOathTokenHashFunction,
)
from msgraph_beta.generated.models.hardware_oath_token_status import HardwareOathTokenStatus
from msgraph_beta.generated.models.reference_update import ReferenceUpdate
from msgraph_beta.generated.users.item.authentication.hardware_oath_methods.item.activate.activate_post_request_body import (
    ActivatePostRequestBody,
)
from urllib.parse import urlparse
from steps import check


class StaticToken(AccessTokenProvider):
    """Hands the SDK the token the mock minted (azure-identity refuses an http authority)."""

    def __init__(self, token, host):
        self.token = token
        self.validator = AllowedHostsValidator([host])

    async def get_authorization_token(self, uri, additional_authentication_context={}):
        return self.token

    def get_allowed_hosts_validator(self):
        return self.validator


def totp(secret_base32, unix, period=30):
    """RFC 6238 with HMAC-SHA-1 and 6 digits, from the standard library only."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    digest = hmac.new(key, struct.pack(">Q", unix // period), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


async def main():
    base = os.environ["HWOATH_BASE_URL"]
    clock = int(os.environ["HWOATH_CLOCK"])
    upn = os.environ["HWOATH_USER_UPN"]
    host = urlparse(base).hostname
    auth = BaseBearerTokenAuthenticationProvider(StaticToken(os.environ["HWOATH_TOKEN"], host))
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = base
    client = GraphServiceClient(request_adapter=adapter)

    devices = client.directory.authentication_method_devices.hardware_oath_devices
    methods = client.users.by_user_id(upn).authentication.hardware_oath_methods
    secret = base64.b32encode(uuid.uuid4().bytes + uuid.uuid4().bytes[:4]).decode().rstrip("=")

    policy = client.policies.authentication_methods_policy.authentication_method_configurations.by_authentication_method_configuration_id(
        "HardwareOath"
    )
    config = await policy.get()
    check(
        isinstance(config, HardwareOathAuthenticationMethodConfiguration)
        and config.state == AuthenticationMethodState.Enabled,
        "GET the hardwareOath policy: a HardwareOathAuthenticationMethodConfiguration, enabled",
    )
    await policy.patch(
        HardwareOathAuthenticationMethodConfiguration(state=AuthenticationMethodState.Enabled)
    )
    check(True, "PATCH the hardwareOath policy (state enabled)")

    created = await devices.post(
        HardwareOathTokenAuthenticationMethodDevice(
            serial_number=f"hwoath-sdk-{uuid.uuid4().hex[:8]}",
            manufacturer="Contoso",
            model="Hardware Token 1000",
            secret_key=secret,
            time_interval_in_seconds=30,
            hash_function=HardwareOathTokenHashFunction.Hmacsha1,
        )
    )
    check(
        created.id and created.status == HardwareOathTokenStatus.Available and created.secret_key is None,
        "create a token: available, secretKey not returned",
    )
    device = devices.by_hardware_oath_token_authentication_method_device_id(created.id)

    # Assign through the navigation property's $ref: no generated builder exists for it in this SDK
    # version, so the request goes through the SDK's request adapter.
    reference = RequestInformation(Method.PUT, "{+baseurl}/directory/authenticationMethodDevices/hardwareOathDevices/{id}/assignTo/$ref")
    reference.path_parameters = {"baseurl": base, "id": created.id}
    reference.set_content_from_parsable(
        adapter, "application/json", ReferenceUpdate(odata_id=f"https://graph.microsoft.com/beta/users/{upn}")
    )
    await adapter.send_no_response_content_async(reference, None)
    holder = await device.assign_to.get()
    check(
        holder is not None and holder.user_principal_name.lower() == upn.lower(),
        "PUT assignTo/$ref, then GET hardwareOathDevices/{id}/assignTo: the user",
    )

    count = await methods.count.get()
    check(count >= 1, f"GET hardwareOathMethods/$count: {count}")

    method = methods.by_hardware_oath_authentication_method_id(created.id)
    seen = await method.device.get()
    check(
        seen.id == created.id and seen.serial_number == created.serial_number,
        "GET hardwareOathMethods/{id}/device: the token",
    )

    # A token whose clock runs 23 hours behind the tenant's: Entra corrects drift of up to a day.
    drifted = totp(secret, clock - 23 * 3600)
    await method.activate.post(ActivatePostRequestBody(verification_code=drifted))
    activated = await device.get()
    check(
        activated.status == HardwareOathTokenStatus.Activated,
        "activate with a code 23 h behind the tenant's clock: activated",
    )

    await method.delete()
    await device.delete()
    remaining = await devices.get()
    check(
        all(d.id != created.id for d in remaining.value or []),
        "unassign and delete: the token is gone",
    )


if __name__ == "__main__":
    asyncio.run(main())
