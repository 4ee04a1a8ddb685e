from prometheus_client import Counter, Gauge

ws_connections = Gauge("instainstru_ws_connections", "Open websocket connections in this process")
events_published = Counter("instainstru_events_published_total", "Kept events published", ["kind"])
events_dispatched = Counter("instainstru_events_dispatched_total", "Kept events handed to local subscribers")
events_replayed = Counter("instainstru_events_replayed_total", "Events replayed to resuming clients")
resyncs_sent = Counter("instainstru_resyncs_total", "Channels told to resync after lost history")
