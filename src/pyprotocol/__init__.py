"""pyprotocol: hold Python code to a written engineering protocol."""
