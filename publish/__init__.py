"""Publishing the notebooks from their stored outputs (nothing is executed).

- :mod:`publish.slides`: one reveal.js deck per notebook (``make slides``);
- :mod:`publish.site`: the course website (``make site``);
- :mod:`publish.student`: the student edition, without solutions (``make student``);
- :mod:`publish.assets`: the pinned JavaScript they load, kept so that all of it opens offline.
"""
