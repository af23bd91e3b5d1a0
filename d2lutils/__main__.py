"""``python -m d2lutils``: fetch and verify Fashion-MNIST (what ``make data`` runs)."""

import sys

from .fashion_mnist import main

sys.exit(main())
