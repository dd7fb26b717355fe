"""_Closeable: the one definition of how a handle of the binding is released: close() (which
must be idempotent), `with`, and garbage collection."""


class _Closeable:
    """A handle released by close(): usable in `with`, and closed when garbage-collected."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass
