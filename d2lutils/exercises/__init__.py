"""Checkers for the exercises at the end of every notebook.

One small module per notebook, named after its topic (``dropout`` for 07, ...), each
holding one ``check_*`` function per checked exercise. A notebook imports its module in
its first cell, e.g. ``from d2lutils.exercises import dropout as exercises``, and an
exercise's check cell is one call: ``exercises.check_dropout_per_feature(dropout_per_feature)``.

Every check prints exactly one line: ``✔ ...`` when the answer is right, ``✘ ...`` with a
hint about the specific mistake when it is wrong, and ``✘ not attempted yet ...`` for the
untouched stub. The shared machinery lives in :mod:`d2lutils.exercises.core`.
"""
