"""Test-wide set-up: offscreen Qt, isolated data dirs, no real keyring."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the developer's real keyring; the app falls back to env-var secrets.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
