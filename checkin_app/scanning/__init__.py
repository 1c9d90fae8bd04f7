"""scanning layer; see DESIGN.md."""
import os

# OpenCV logs every camera it cannot open ("can't open camera by index") to stderr as WARN lines;
# a missing camera is reported to the user as a message instead. Must be set before cv2 loads.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
