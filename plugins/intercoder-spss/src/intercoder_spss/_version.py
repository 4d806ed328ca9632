"""The version of intercoder-spss (read by the build backend and shown by `intercoder plugins`)."""

__version__ = "0.1.0"
