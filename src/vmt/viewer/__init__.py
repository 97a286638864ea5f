"""The viewer: a web page that shows the grid economy, live or replayed.

``vmt serve`` runs a scenario live (:mod:`vmt.viewer.live`) and ``vmt replay``
replays a recorded run from telemetry (:mod:`vmt.viewer.replay`); both are
served by the same Starlette application (:mod:`vmt.viewer.app`) and the same
page (``static/``), which receives frames over a websocket. Frames have one
format whatever their origin (:mod:`vmt.viewer.frames`), so the page cannot
tell a replay from a live run except by what it is allowed to do.

Nothing here is imported by the package at start: Starlette and uvicorn load
only when a viewer is started.
"""
