"""The shared vocabulary every stage speaks: SDG codelists, the DSD's components, units.

Not a stage of the data flow but what the stages agree on: a source spec names a DSD
dimension and a pint unit, an indicator enumerates codes of a codelist, the writers follow
the DSD's component order. Import the modules themselves (``vocabulary.codelists``,
``vocabulary.dsd``, ``vocabulary.units``); nothing is re-exported here.
"""
