"""Label Studio sync: codebook to labeling interface, idempotent push, incremental pull.

The client speaks Label Studio's REST API with the standard library only (see
:mod:`intercoder.studio.client`), so none of this needs the server's own dependencies; the
server itself (``intercoder studio serve``) runs from a separate virtual environment.
"""
