"""faiss starts quietly: lcr mutes its SIMD-loader chatter."""


def test_faiss_loader_noise_is_silenced():
    """faiss's INFO lines about the SIMD builds it could not load are not shown, even at INFO level."""
    import subprocess
    import sys

    code = "import logging; logging.basicConfig(level=logging.INFO); import lcr.index.dense, faiss"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Could not load library" not in out.stderr and "faiss.loader" not in out.stderr
