"""The domain API: plain functions taking a Session. Both front ends call only these."""
