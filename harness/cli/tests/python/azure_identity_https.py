"""Gets tokens from a running `hwoath mock --tls` with Microsoft's azure-identity (and MSAL under it),
then drives the Graph beta SDK for Python (msgraph-beta-sdk) with that credential.

Called by harness/cli/tests/python_sdk.rs with:
  HWOATH_ROOT_URL       the mock's authority host (https://127.0.0.1:PORT)
  HWOATH_BASE_URL       the mock's Graph base URL (https://127.0.0.1:PORT/beta)
  HWOATH_TENANT_ID      the mock's tenant id
  HWOATH_CLIENT_ID      client id of the mock's app registration
  HWOATH_CLIENT_SECRET  its client secret
  SSL_CERT_FILE, REQUESTS_CA_BUNDLE  the CA file the mock wrote (httpx and requests trust it)

Name lookups of anything but the loopback address fail at once: the SDKs must not leave the mock.
MSAL sends instance discovery to login.microsoftonline.com for any authority it does not know, so
the credential is made with `disable_instance_discovery=True`; MSAL itself can be pointed at the
mock's own instance-discovery endpoint instead. Prints one `ok:` line per step and exits non-zero at
the first surprise.
"""

import asyncio
import base64
import os
import socket
import uuid
from urllib.parse import urlparse

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_getaddrinfo = socket.getaddrinfo


def loopback_only(host, *args, **kwargs):
    if host not in LOOPBACK:
        raise OSError(f"the test allows no name lookup but the loopback's, not {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = loopback_only

import msal  # noqa: E402
from azure.identity import ClientSecretCredential  # noqa: E402
from kiota_authentication_azure.azure_identity_authentication_provider import (  # noqa: E402
    AzureIdentityAuthenticationProvider,
)
from msgraph_beta import GraphRequestAdapter, GraphServiceClient  # noqa: E402
from msgraph_beta.generated.models.hardware_oath_token_authentication_method_device import (  # noqa: E402
    HardwareOathTokenAuthenticationMethodDevice,
)
from msgraph_beta.generated.models.hardware_oath_token_hash_function import (  # noqa: E402
    HardwareOathTokenHashFunction,
)
from steps import check  # noqa: E402

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


async def main():
    root = os.environ["HWOATH_ROOT_URL"]
    base = os.environ["HWOATH_BASE_URL"]
    tenant = os.environ["HWOATH_TENANT_ID"]
    client_id = os.environ["HWOATH_CLIENT_ID"]
    secret = os.environ["HWOATH_CLIENT_SECRET"]

    credential = ClientSecretCredential(
        tenant, client_id, secret, authority=root, disable_instance_discovery=True
    )
    token = credential.get_token(GRAPH_SCOPE)
    check(
        token.token.count(".") == 2 and token.expires_on > 0,
        "azure-identity ClientSecretCredential with authority= the mock: a token over HTTPS",
    )

    app = msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{root}/{tenant}",
        instance_discovery=f"{root}/common/discovery/instance",
    )
    result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    check(
        "access_token" in result,
        f"MSAL with the mock's instance discovery: a token ({result.get('error', 'no error')})",
    )

    # GraphServiceClient(credentials=..., scopes=...) only sends tokens to Microsoft's Graph hosts:
    # the same provider, told the mock's host, is handed to it through its request adapter.
    host = urlparse(base).hostname
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=[GRAPH_SCOPE], allowed_hosts=[host]
    )
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = base
    client = GraphServiceClient(request_adapter=adapter)
    devices = client.directory.authentication_method_devices.hardware_oath_devices

    serial = f"hwoath-https-{uuid.uuid4().hex[:8]}"
    created = await devices.post(
        HardwareOathTokenAuthenticationMethodDevice(
            serial_number=serial,
            manufacturer="Contoso",
            model="Hardware Token 1000",
            secret_key=base64.b32encode(uuid.uuid4().bytes).decode().rstrip("="),
            time_interval_in_seconds=30,
            hash_function=HardwareOathTokenHashFunction.Hmacsha1,
        )
    )
    check(created.id and created.serial_number == serial, "create a token through the SDK over HTTPS")

    listed = await devices.get()
    check(
        any(d.id == created.id for d in listed.value or []),
        "list hardware OATH tokens: the new one is there",
    )

    await devices.by_hardware_oath_token_authentication_method_device_id(created.id).delete()
    remaining = await devices.get()
    check(
        all(d.id != created.id for d in remaining.value or []),
        "delete it: the token is gone",
    )


if __name__ == "__main__":
    asyncio.run(main())
