"""nn: a small numpy multilayer perceptron that teaches backpropagation, and trains fast.

>>> from nn import Network
>>> net = Network([2, 6, 6, 6, 2], learning_rate=0.005, activation="linear", seed=0)
>>> out = net.feed([0.3, -0.4])          # forward pass, shape (2,)
>>> error = net.backpropagate([0.3, -0.4])
"""

from nn.activations import ACTIVATIONS, Activation
from nn.coords import from_pixels, to_pixels
from nn.datasets import (
    dataset_from_points,
    dump_csv,
    dump_json,
    parse_csv,
    parse_json,
    random_dataset,
)
from nn.errors import DivergenceError, NNError, SchemaError
from nn.guard import ERROR_LIMIT, WEIGHT_LIMIT
from nn.network import Network
from nn.optimizers import OPTIMIZERS
from nn.schema import FORMAT_VERSION, parse_layers
from nn.training import PRETRAIN_DEFAULTS, Trainer, TrainingSummary, recommended_training, train

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "ERROR_LIMIT",
    "FORMAT_VERSION",
    "OPTIMIZERS",
    "PRETRAIN_DEFAULTS",
    "WEIGHT_LIMIT",
    "Activation",
    "DivergenceError",
    "NNError",
    "Network",
    "SchemaError",
    "Trainer",
    "TrainingSummary",
    "__version__",
    "dataset_from_points",
    "dump_csv",
    "dump_json",
    "from_pixels",
    "parse_csv",
    "parse_json",
    "parse_layers",
    "random_dataset",
    "recommended_training",
    "to_pixels",
    "train",
]
