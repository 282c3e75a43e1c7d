"""WebSub (W3C Recommendation): hub takes subscriptions to our feeds, hub_delivery verifies
them and pushes changed feeds (rendered through feeds.publish), subscriber receives pushes
from peers' hubs and hands them to feeds.aggregate. May import every other part of feeds."""
