"""Main-thread entry point (placeholder until the app lands): import numpy and signal readiness."""

import numpy as np
from pyscript import document

document.body.dataset.numpy = np.__version__
document.body.dataset.state = "ready"
