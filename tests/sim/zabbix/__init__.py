"""Zabbix 6.0 JSON-RPC API simulator (scripts/sim zabbix); see README.md."""
