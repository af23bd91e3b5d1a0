"""``python -m d2lutils``: fetch and verify Fashion-MNIST (what ``make data`` runs).

``python -m d2lutils doctor [--quick] [--json]`` checks the whole set-up instead (what
``make doctor`` runs; see :mod:`d2lutils.doctor`). Both work when torch is broken: the
package's ``__init__`` then defers the failure, and the doctor reports it.
"""

import sys

from . import doctor


def main(argv: list[str]) -> int:
    if argv[:1] == ["doctor"]:
        return doctor.main(argv[1:])
    try:
        from .fashion_mnist import main as fetch_data
    except Exception:  # noqa: BLE001 - e.g. torch is broken: say what is wrong, not a traceback
        return doctor.main(["--quick"])
    return fetch_data()


sys.exit(main(sys.argv[1:]))
