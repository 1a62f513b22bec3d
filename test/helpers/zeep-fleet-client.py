"""A fleet tool built on Python zeep (Debian python3-zeep): loads the gateway's WSDL, calls the operations given as
JSON on stdin ([[operation, arguments], ...]) with a WS-Security UsernameToken, and prints the answers as JSON (a
Fault as {"fault": code}). zeep rejects answers out of WSDL sequence order or with undeclared elements."""
import json
import sys

import zeep
from zeep.helpers import serialize_object
from zeep.wsse.username import UsernameToken

wsdl, key, password = sys.argv[1:4]
client = zeep.Client(wsdl, wsse=UsernameToken(key, password))
out = []
for operation, args in json.load(sys.stdin):
    try:
        out.append(serialize_object(getattr(client.service, operation)(**args), dict))
    except zeep.exceptions.Fault as fault:
        out.append({"fault": fault.code})
    except Exception as err:  # an answer zeep cannot parse: the test names it
        out.append({"error": f"{type(err).__name__}: {err}"})
print(json.dumps(out, default=str))
