//! A fake Cobo server on 127.0.0.1 for tests: see [`FakeCobo`].
