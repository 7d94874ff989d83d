"""Wire formats: each turns the bytes of one message into ``ParsedReservation`` records."""
