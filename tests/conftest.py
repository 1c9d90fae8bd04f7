"""Test-wide set-up: offscreen Qt, isolated data dirs, no real keyring."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch the developer's real keyring; the app falls back to env-var secrets.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

# tests/realx needs a QApplication on a real X server, so it runs in a pytest process of its own
# (tests/test_realx_tier.py starts it); CHECKIN_REALX=1 marks that process.
collect_ignore = [] if os.environ.get("CHECKIN_REALX") == "1" else ["realx"]
