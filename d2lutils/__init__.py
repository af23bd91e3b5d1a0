"""d2lutils: the helpers the course notebooks share.

Import it as ``import d2lutils as d2l``. Each helper is first derived by hand in the
notebook that teaches it; later notebooks call the version here.
"""

from . import doctor  # first, and torch-free: it must work when torch is broken

try:
    from . import demos
    from .animator import Animator
    from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
    from .devices import num_gpus, synchronize, try_all_gpus, try_gpu
    from .distributed import TorchrunError, free_port, run_torchrun
    from .fashion_mnist import (DATA_DIR, DatasetError, ensure_fashion_mnist,
                                fashion_mnist_labels, load_fashion_mnist, predict)
    from .linear import linreg, squared_loss
    from .loaders import TensorLoader, load_array, synthetic_data
    from .metrics import Accumulator, Timer, accuracy
    from .plotting import describe_figure, plot, set_axes, set_figsize, show_images
    from .seeding import set_seed
    from .training import History, evaluate_accuracy, sgd, train, train_epoch
except Exception as error:  # noqa: BLE001 - e.g. torch is broken: `make doctor` says why,
    __getattr__ = doctor.fail_on_use(error, __name__)  # and each helper raises when used

__all__ = [
    "DATA_DIR", "Accumulator", "Animator", "CheckpointError", "DatasetError", "History",
    "TensorLoader", "Timer", "TorchrunError", "accuracy", "demos", "describe_figure", "doctor",
    "ensure_fashion_mnist", "evaluate_accuracy", "fashion_mnist_labels", "free_port", "linreg",
    "load_array",
    "load_checkpoint", "load_fashion_mnist", "num_gpus", "plot", "predict", "run_torchrun",
    "save_checkpoint", "set_axes", "set_figsize", "set_seed", "sgd", "show_images",
    "squared_loss", "synchronize", "synthetic_data", "train", "train_epoch", "try_all_gpus",
    "try_gpu",
]
