"""Input limits of a case, defined once for every channel, form, schema and import.

A channel that receives longer text refuses it with a message naming the limit (forms, API
schemas, Open311) or cuts it and notes the cut (hotline import); nothing is lost silently.
"""

from __future__ import annotations

# What is wrong (问题描述): GeoReport v2 allows 4,000 characters; so does every CityOps door.
DESCRIPTION_MAX = 4000
