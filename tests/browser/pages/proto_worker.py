import json
import numpy as np
from polyscript import xworker
import proto_mod

def onmessage(event):
    xworker.postMessage(json.dumps({"echo": str(event.data), "np": np.__version__, "mod": proto_mod.hello()}))

xworker.onmessage = onmessage
xworker.postMessage(json.dumps({"type": "hello"}))
