// Writes many log lines from one process: pm_log_writer <dir> <writer id> <lines>.
// Line i of writer w is "w=<w> i=<i> " followed by a filler whose length varies up to 16 KiB,
// so that concurrent writers would tear lines if writes were not whole.
#include <cstdlib>
#include <string>

#include "pm/log.hpp"

int main(int argc, char** argv) {
    if (argc != 4) {
        return 2;
    }
    pm::log::open(argv[1], "pmlogtest", pm::log::Level::info);
    const int writer = std::atoi(argv[2]);
    const int lines = std::atoi(argv[3]);
    for (int i = 0; i < lines; ++i) {
        const auto length = static_cast<std::size_t>((i * 7919 + writer * 104729) % 16384);
        const std::string filler(length, static_cast<char>('a' + writer % 26));
        pm::log::info("w={} i={} len={} {}", writer, i, length, filler);
    }
    return 0;
}
