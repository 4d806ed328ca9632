"""The reliability round around the number: plan the sample, adjudicate to gold, certify coders.

One module per job:

* :mod:`.plan` — the units a round needs (Bloch & Kraemer 1989, eq. 3.7) and a stratified sample;
* :mod:`.gold` — gold standard files: reading (located errors) and writing (atomic);
* :mod:`.adjudicate` — settle agreements by rule, queue disputes, merge an adjudicator's decisions;
* :mod:`.certify` — each coder against the gold: alpha, accuracy, confusion, status;
* :mod:`.training` — a training set (tasks and gold) from a codebook's constructed examples;
* :mod:`.validate_coder` — may a machine coder replace a human, assist, or not (vs the humans);
* :mod:`.migrate` — annotation files moved to a newer codebook version by its migration maps;
* :mod:`.render` — certification and plan tables as text and Markdown;
* :mod:`.files` — the CSV/JSONL writer they share.

This room is layer 6: it uses the data model, the formats and :mod:`intercoder.reliability`,
and computes no coefficient itself.
"""
