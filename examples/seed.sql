-- An example billing store seed: one module of each kind, a customer, tariffs, two services
-- and their running operations, as a billing platform would write them. Load it after
-- examples/schema.sql:  sqlite3 billing.db < examples/schema.sql && sqlite3 billing.db < examples/seed.sql
-- URLs point at the local simulators (scripts/sim); passwords are the simulators' defaults.
BEGIN;

INSERT INTO processingmodule (id, name, type, sorting, enabled)
VALUES (1, 'VMmanager 6 KVM cluster', 'pmvmmgr6', 1, 1),
       (2, 'OpenStack RegionOne', 'pmopenstack', 2, 1);

INSERT INTO processingparam (module_id, name, value)
VALUES (1, 'url', 'http://127.0.0.1:8061'),
       (1, 'username', 'admin@example.com'),
       (1, 'password', 'admin'),
       (1, 'cluster', '1'),
       (1, 'queue_enabled', 'on'),
       (1, 'queue_key', '__PMID__'),
       (1, 'queue_count', '2'),
       (1, 'op_timeout', '1800'),
       (2, 'url', 'http://127.0.0.1:8062/identity/v3'),
       (2, 'username', 'admin'),
       (2, 'password', 'admin'),
       (2, 'user_domain', 'Default'),
       (2, 'project', 'admin'),
       (2, 'project_domain', 'Default'),
       (2, 'region', 'RegionOne'),
       (2, 'external_network', 'public');

INSERT INTO account (id, name, email) VALUES (1, 'Jane Doe', 'jane@example.com');

INSERT INTO pricelist (id, name, type) VALUES (1, 'VPS Small', 'vds'), (2, 'VDC Start', 'vdc');
INSERT INTO pricelistparam (pricelist_id, name, value)
VALUES (1, 'cpu_number', '1'), (1, 'ram_mib', '1024'), (1, 'hdd_mib', '20480'),
       (1, 'ipv4_number', '1'),
       (2, 'cores', '8'), (2, 'ram_mib', '16384'), (2, 'instances', '4'), (2, 'volumes', '10'),
       (2, 'gigabytes', '200'), (2, 'networks', '2'), (2, 'subnets', '2'), (2, 'routers', '1'),
       (2, 'ports', '20'), (2, 'loadbalancers', '1');

INSERT INTO item (id, account_id, pricelist_id, module_id, type, status)
VALUES (1, 1, 1, 1, 'vds', 'ordered'), (2, 1, 2, 2, 'vdc', 'ordered');
INSERT INTO itemparam (item_id, name, value)
VALUES (1, 'os', 'Debian 12'), (1, 'domain', 'jane.example.com'), (1, 'password', 'Root-Pass-1'),
       (2, 'project_name', 'vdc-jane'), (2, 'username', 'jane'), (2, 'password', 'Vdc-Pass-1');

INSERT INTO runningoperation (id, item_id, module_id, command, status, trycount)
VALUES (1, 1, 1, 'open', 'pending', 0), (2, 2, 2, 'open', 'pending', 0);

COMMIT;
