"""The version of intercoder-llm (read by the build backend; part of the coder id)."""

__version__ = "0.1.0"
