// Test helper: one of many processes writing to one store at once.
//
//     pm_store_writer STORE_URL WRITER_ID N [START_FILE]
//
// Waits until START_FILE exists (so that all writers open a fresh store together), then
// creates its own module, account, tariff and item, and does N rounds of: set an item param,
// run an operation through begin/finish, and increment the shared "counter" param of the
// module named "shared" (read-modify-write in one transaction). Exits with the exit code of
// the error it hit, after printing it on stderr.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/store.hpp"

namespace {

using namespace pm;
using namespace pm::store;

void increment_shared_counter(Store& store) {
    store.transaction([&] {
        const auto shared = store.modules("shared");
        const ModuleId id = shared.empty()
                                ? store.create_module({.name = "shared", .type = "shared"})
                                : shared.front().id;
        const auto counter = store.module_params(id).get_int("counter", 0);
        store.set_module_param(id, "counter", std::to_string(counter + 1));
    });
}

void write(Store& store, int writer, int rounds) {
    const auto module =
        store.create_module({.name = fmt::format("writer-{}", writer), .type = "writer"});
    const auto item = store.create_item({.account_id = store.create_account("writer", ""),
                                         .pricelist_id = store.create_pricelist("p", "vds"),
                                         .module_id = module,
                                         .type = "vds"});
    for (int round = 0; round < rounds; ++round) {
        store.set_item_param(item, fmt::format("p{}", round), std::to_string(round));
        const auto operation =
            store.create_operation({.item_id = item, .module_id = module, .command = "open"});
        store.begin_operation(operation);
        store.finish_operation(operation);
        increment_shared_counter(store);
    }
}

void wait_for(const std::filesystem::path& start_file) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(start_file) && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) {
        std::fputs("usage: pm_store_writer STORE_URL WRITER_ID N [START_FILE]\n", stderr);
        return 2;
    }
    const std::string url = argv[1];
    const int writer = std::stoi(argv[2]);
    const int rounds = std::stoi(argv[3]);
    try {
        if (argc == 5) {
            wait_for(argv[4]);
        }
        auto store = Store::open(url);
        write(store, writer, rounds);
        return 0;
    } catch (const pm::Error& e) {
        std::fprintf(stderr, "pm_store_writer %d: %s\n", writer, e.what());
        return static_cast<int>(e.exit_code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pm_store_writer %d: %s\n", writer, e.what());
        return 4;
    }
}
