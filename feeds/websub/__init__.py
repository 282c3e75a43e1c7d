"""WebSub (W3C Recommendation): hub takes subscriptions to our feeds, hub_delivery verifies
them and pushes changed feeds (rendered through feeds.publish), subscriber receives pushes
from peers' hubs and hands them to feeds.aggregate, and subscribes or unsubscribes when
aggregation announces it through feeds.aggregate.events (connected in feeds.routes). May
import core, jobs, directory and every other part of feeds; nothing in publish or aggregate
imports it."""
