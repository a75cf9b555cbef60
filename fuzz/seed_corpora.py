#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets into fuzz/corpus/<target>/ from vectors/ (RFC 4226/6238
secrets, the Graph doc examples) and the hand-made seeds in fuzz/seeds/<target>/. Standard library
only; idempotent (files are named by the hash of their content)."""

import hashlib
import json
import pathlib
import shutil
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
VECTORS = FUZZ.parent / "vectors"
CORPUS = FUZZ / "corpus"

# Which wire types each JSON target parses.
JSON_TARGETS = {
    "graph_body": None,  # every request body and resource
    "graph_error_envelope": {"ErrorEnvelope"},
    "odata_collection": {"Collection<Device>", "Collection<Method>"},
}


# The targets that read Entra's CSV share their seeds.
CSV_TARGETS = ("entra_csv", "csv_check")


def put(target: str, data: bytes) -> None:
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main() -> int:
    secrets = []
    rfc4226 = json.loads((VECTORS / "rfc4226.json").read_text())
    secrets.append(rfc4226["secret"])
    rfc6238 = json.loads((VECTORS / "rfc6238.json").read_text())
    secrets.extend(rfc6238["seeds"].values())
    for secret in secrets:
        b32 = secret["base32"]
        put("base32_secret", b32.encode())
        put("base32_secret", b32.lower().encode())
        put("base32_secret", " ".join(b32[i:i + 4] for i in range(0, len(b32), 4)).encode())
        put("base32_secret", secret["hex"].encode())
        put("base32_secret", secret["ascii"].encode())
        for algorithm in ("SHA1", "SHA256", "SHA512"):
            put("otpauth_uri", (
                f"otpauth://totp/Contoso:alice@contoso.com?secret={b32}&issuer=Contoso"
                f"&algorithm={algorithm}&digits=8&period=30").encode())
        put("otpauth_uri", f"otpauth://hotp/alice%40contoso.com?secret={b32}&counter=0".encode())
        for target in CSV_TARGETS:
            put(target, (
                "upn,serial number,secret key,time interval,manufacturer,model\n"
                f"Helga@contoso.com,1234567,{b32},30,Contoso,HardwareKey\r\n"
                f"\"Amy@contoso.com\",\" 7654321 \",{b32.lower()},60,\"Contoso, Ltd\",Key\n").encode())

    examples = json.loads((VECTORS / "graph" / "examples.json").read_text())["examples"]
    for example in examples:
        body = example.get("body")
        if body is None:
            continue
        data = body.encode()
        for target, types in JSON_TARGETS.items():
            if types is None or example.get("wire_type") in types:
                put(target, data)
        put("mock_router", data)
        # The doc bodies as the payload of a signed token (mock_jwt mode 2).
        put("mock_jwt", b"\x02" + data)

    for seeds in sorted((FUZZ / "seeds").glob("*/*")):
        targets = CSV_TARGETS if seeds.parent.name in CSV_TARGETS else (seeds.parent.name,)
        for target in targets:
            put(target, seeds.read_bytes())
    for target in sorted(p.name for p in CORPUS.iterdir() if p.is_dir()):
        print(f"{target}: {sum(1 for _ in (CORPUS / target).iterdir())} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
