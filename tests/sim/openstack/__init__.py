"""OpenStack API simulator (Keystone v3, Nova, Cinder, Neutron, Octavia, a little Glance)
for pm's tests, demo and benchmarks: one port, one model, see README.md."""
