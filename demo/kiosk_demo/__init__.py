"""The demo parts of the counter kiosk: never in a production install.

Virtual cards served to the real pcscd through vpcd, the point cloud simulator, the demo
Breka master keys and test JPKI CA, the demo wiring (`kiosk demo`) and the benchmarks
(`kiosk bench`). The kiosk finds the verbs through the `kiosk.commands` entry points.
"""
