"""Codebooks: the format (:mod:`.spec`), the immutable model (:mod:`.model`), loading and
validation (:mod:`.validate`, :mod:`.registry`), versioning (:mod:`.diff`, :mod:`.migrate`) and
the exports (:mod:`.render`, :mod:`.dump`, :mod:`.refiqda`, :mod:`.annotation_schema`).

Import what you need from the submodules; ``intercoder.load_codebook`` is the usual entry point.
"""
