"""Scan: read operator messages from every source, archive them, parse them, store versions.

sources (folder, imap, http) → raw bytes → formats (ota, alpinebits, jsonfeed, mail templates)
→ ``ParsedReservation`` → ingest (archive, mask, identify, version, diff, store).
"""
