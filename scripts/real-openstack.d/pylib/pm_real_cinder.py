"""Storage-less Cinder volume driver for the real-OpenStack test tier.

cinder.tests.fake_driver.FakeLoggingVolumeDriver (shipped in Debian's python3-cinder)
logs calls instead of touching storage, but inherits extend_volume() from the LVM
driver, which fails on its fake volume group; extend, revert and retype succeed here.
"""
from cinder.tests import fake_driver
from cinder.volume import volume_utils


class FakeVolumeDriver(fake_driver.FakeLoggingVolumeDriver):

    @volume_utils.trace_method
    def extend_volume(self, volume, new_size):
        pass

    @volume_utils.trace_method
    def revert_to_snapshot(self, context, volume, snapshot):
        pass

    def retype(self, context, volume, new_type, diff, host):
        return True, None
