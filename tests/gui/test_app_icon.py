"""The window icon is the package's resources/icons/icon.png, read through importlib.resources."""
from checkin_app.gui.style import app_icon


def test_the_window_icon_loads_from_the_package(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert icon.availableSizes()[0].width() == 512  # packaging/make_icons.py draws it 512 px square
