"""ML2 mechanism driver "pm_bind_any": binds every port on every host (no agents).

The tier's Neutron has no L2 agents; without a driver that binds, Nova (fake virt
driver) would never get a bound port and servers would fail to build.  Registered as
an entry point by pm_real_ml2-1.0.dist-info (found through PYTHONPATH).
"""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class BindAnyMechanismDriver(api.MechanismDriver):

    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: True,
                                 portbindings.OVS_HYBRID_PLUG: False},
                                status=constants.PORT_STATUS_ACTIVE)
            return
