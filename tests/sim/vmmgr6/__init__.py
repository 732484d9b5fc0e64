"""A VMmanager 6 simulator faithful to shared/api/vmmanager6.md (see README.md here)."""
