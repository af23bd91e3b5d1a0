"""Grade a whole class offline: ``python -m d2lutils.grading SUBMISSIONS`` (``make grade``).

The grader takes a folder of submitted notebooks, finds out which course notebook each
one is (from its cells' ids), runs each student's answer cells and then the course's own
checks in a sandbox (:mod:`.sandbox`, :mod:`.zygote`), and writes ``grades.csv``, one
feedback file per student and a class summary (:mod:`.reports`). The checks decide, not
the student's output; their random inputs come from a seed the students never saw.
The README's "Grading a class" says how to use it and what the sandbox does and does not
enforce.

Modules: :mod:`.exercise_format` (the tagged exercises, shared with the tests),
:mod:`.course` (the course notebooks), :mod:`.submissions` (finding and reading the
submissions), :mod:`.statuses`, :mod:`.sandbox`, :mod:`.zygote` and :mod:`.runner` (what
runs the untrusted code), :mod:`.pool`, :mod:`.grader` and :mod:`.reports`.
"""
