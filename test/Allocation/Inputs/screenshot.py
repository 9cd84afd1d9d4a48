# Renders an allocation report with headless Chromium and checks the
# screenshot: not blank, and the plots' colours are drawn (the Pareto
# front's blue line, the uniform configs' orange squares, the chosen plan's
# red dot). Usage: screenshot.py REPORT.html OUT.png
import os
import shutil
import subprocess
import sys

from PIL import Image

html, png = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
browser = shutil.which("chromium") or shutil.which("chromium-browser")
profile = png + ".profile"
p = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--user-data-dir=" + profile,
                    "--window-size=1100,2600", "--screenshot=" + png,
                    "file://" + html], capture_output=True, text=True, timeout=120)
if not os.path.exists(png):
    sys.exit("chromium wrote no screenshot:\n" + p.stderr[-2000:])
img = Image.open(png).convert("RGB")
w, h = img.size
px = img.load()
nonwhite = 0
colours = {"blue": (0x1f, 0x77, 0xb4), "orange": (0xff, 0x7f, 0x0e),
           "red": (0xd6, 0x27, 0x28)}
seen = {k: 0 for k in colours}
for y in range(0, h, 2):
    for x in range(0, w, 2):
        c = px[x, y]
        if c != (255, 255, 255):
            nonwhite += 1
        for k, ref in colours.items():
            if all(abs(a - b) <= 12 for a, b in zip(c, ref)):
                seen[k] += 1
total = (w // 2) * (h // 2)
print("screenshot %dx%d: %.1f%% non-white, colour samples %s" % (w, h, 100.0 * nonwhite / total, seen))
assert nonwhite > 0.02 * total, "the page looks blank"
for k, n in seen.items():
    assert n >= 3, "no %s pixels: a plot is missing" % k
print("screenshot ok")
