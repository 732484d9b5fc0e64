"""What a fresh Zabbix 6.0.14 database holds (data.sql), as read from real Zabbix: the host
groups, user groups, roles, users, the server's host, a few templates and the id each table
gives next."""

HOSTGROUPS = [
    ("1", "Templates", "0"), ("2", "Linux servers", "0"), ("4", "Zabbix servers", "0"),
    ("5", "Discovered hosts", "1"), ("6", "Virtual machines", "0"), ("7", "Hypervisors", "0"),
    ("8", "Templates/Modules", "0"), ("9", "Templates/Network devices", "0"),
    ("10", "Templates/Operating systems", "0"), ("11", "Templates/Server hardware", "0"),
    ("12", "Templates/Applications", "0"), ("13", "Templates/Databases", "0"),
    ("14", "Templates/Virtualization", "0"), ("15", "Templates/Telephony", "0"),
    ("16", "Templates/SAN", "0"), ("17", "Templates/Video surveillance", "0"),
    ("18", "Templates/Power", "0"), ("19", "Templates/Cloud", "0"),
]
DISCOVERED_HOSTS = "5"   # where auto-registration puts new hosts (config discovery_groupid)

# usrgrpid, name, gui_access, users_status, debug_mode
USERGROUPS = [
    ("7", "Zabbix administrators", "0", "0", "0"), ("8", "Guests", "1", "0", "0"),
    ("9", "Disabled", "0", "1", "0"), ("11", "Enabled debug mode", "0", "0", "1"),
    ("12", "No access to the frontend", "3", "0", "0"),
]

# roleid, name, type (1 user, 2 admin, 3 super admin), readonly
ROLES = [("1", "User role", "1", "0"), ("2", "Admin role", "2", "0"),
         ("3", "Super admin role", "3", "1"), ("4", "Guest role", "1", "0")]

USER_DEFAULTS = {"name": "", "surname": "", "url": "", "autologin": "0", "autologout": "15m",
                 "lang": "default", "refresh": "30s", "theme": "default",
                 "attempt_failed": "0", "attempt_ip": "", "attempt_clock": "0",
                 "rows_per_page": "50", "timezone": "default"}
ADMIN = dict({"userid": "1", "username": "Admin"}, **USER_DEFAULTS, roleid="3")
ADMIN.update(name="Zabbix", surname="Administrator", autologin="1", autologout="0")
GUEST = dict({"userid": "2", "username": "guest"}, **USER_DEFAULTS, roleid="4")
ADMIN_GROUPS = ["7"]
GUEST_GROUPS = ["8", "9"]

TEMPLATES = [
    ("10001", "Linux by Zabbix agent"), ("10047", "Zabbix server health"),
    ("10048", "Zabbix proxy health"), ("10050", "Zabbix agent"),
    ("10074", "OpenBSD by Zabbix agent"), ("10075", "FreeBSD by Zabbix agent"),
    ("10081", "Windows by Zabbix agent"), ("10264", "Apache by Zabbix agent"),
    ("10266", "Nginx by Zabbix agent"),
]
TEMPLATE_GROUP = "10"   # Templates/Operating systems (simplified: one group for all)

SERVER_HOST = {"hostid": "10084", "host": "Zabbix server", "name": "Zabbix server"}
SERVER_GROUPS = ["4"]

# The built-in actions (none of event source 2, auto-registration).
ACTIONS = [("2", "Auto discovery. Linux servers.", "1", "0"),
           ("3", "Report problems to Zabbix administrators", "0", "1h"),
           ("4", "Report not supported items", "3", "1h"),
           ("5", "Report not supported low level discovery rules", "3", "1h"),
           ("6", "Report unknown triggers", "3", "1h")]
ACTION_USING_GROUP = {"7": "Report problems to Zabbix administrators"}

# The first id each table hands out on a fresh database (observed).
NEXT_IDS = {"groupid": 20, "usrgrpid": 13, "userid": 3, "actionid": 7, "operationid": 11,
            "hostid": 10559, "hostmacroid": 5862, "tokenid": 1, "conditionid": 6}
