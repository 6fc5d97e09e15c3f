"""Offline captioning and localisation pipeline for testimonial videos.

Data flows one way: media -> words (asr) -> cues (segment) -> translations (translate)
-> files (subtitles) and burned video (burn). Each stage is a function; `batch` caches them.
"""

__version__ = "0.1.0"
