#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "pm/create.hpp"

using namespace std::chrono_literals;

namespace {

const pm::CreateOnceOptions k_fast{5, 1ms, 2ms};

// A remote side that keeps what was created and fails creates as scripted: each entry is
// thrown by one create, after ("acted") or before the server carried it out.
struct Remote {
    struct Fault {
        long status; // 0: a transport failure
        bool acted;
    };
    std::vector<Fault> faults;
    std::vector<std::string> objects;
    int finds = 0;
    int creates = 0;

    std::optional<std::string> find() {
        ++finds;
        if (objects.empty()) {
            return std::nullopt;
        }
        return objects.front();
    }
    std::string create() {
        ++creates;
        if (static_cast<std::size_t>(creates) <= faults.size()) {
            const Fault fault = faults[static_cast<std::size_t>(creates) - 1];
            if (fault.acted) {
                objects.push_back("vm-" + std::to_string(creates));
            }
            if (fault.status == 0) {
                throw pm::TransportError("connection dropped mid-reply");
            }
            throw pm::ApiError("create failed", fault.status);
        }
        objects.push_back("vm-" + std::to_string(creates));
        return objects.back();
    }
    std::string run(const pm::Deadline& deadline = pm::Deadline::after(1h)) {
        return pm::create_once<std::string>(
            "VM test", deadline, [this] { return find(); }, [this] { return create(); }, k_fast);
    }
};

} // namespace

TEST_CASE("create_once: an ambiguous reply after the server acted adopts what it made") {
    for (const long status : {503L, 429L, 500L, 502L, 0L}) {
        DYNAMIC_SECTION("status " << status) {
            Remote remote;
            remote.faults = {{status, true}};
            CHECK(remote.run() == "vm-1");
            CHECK(remote.creates == 1);
            CHECK(remote.objects.size() == 1);
        }
    }
}

TEST_CASE("create_once: an ambiguous reply before the server acted creates again") {
    Remote remote;
    remote.faults = {{503, false}, {429, false}};
    CHECK(remote.run() == "vm-3");
    CHECK(remote.creates == 3);
    CHECK(remote.finds == 3);
    CHECK(remote.objects.size() == 1);
}

TEST_CASE("create_once: what exists already is not created") {
    Remote remote;
    remote.objects = {"vm-old"};
    CHECK(remote.run() == "vm-old");
    CHECK(remote.creates == 0);
}

TEST_CASE("create_once: definite errors are not retried") {
    for (const long status : {400L, 404L, 409L, 413L}) {
        DYNAMIC_SECTION("status " << status) {
            Remote remote;
            remote.faults = {{status, false}};
            CHECK_THROWS_AS(remote.run(), pm::ApiError);
            CHECK(remote.creates == 1);
            CHECK(remote.finds == 1);
        }
    }
    SECTION("an auth error") {
        int creates = 0;
        CHECK_THROWS_AS(pm::create_once<int>(
                            "user", pm::Deadline::after(1h), [] { return std::optional<int>(); },
                            [&]() -> int {
                                ++creates;
                                throw pm::AuthError("session expired", 503);
                            },
                            k_fast),
                        pm::AuthError);
        CHECK(creates == 1);
    }
}

TEST_CASE("create_once: gives up after max_attempts, or when the deadline leaves no time") {
    SECTION("attempts") {
        Remote remote;
        remote.faults = std::vector<Remote::Fault>(10, {503, false});
        CHECK_THROWS_AS(remote.run(), pm::ApiError);
        CHECK(remote.creates == k_fast.max_attempts);
        CHECK(remote.objects.empty());
    }
    SECTION("deadline") {
        Remote remote;
        remote.faults = std::vector<Remote::Fault>(10, {503, false});
        CHECK_THROWS_AS(remote.run(pm::Deadline::after(0ms)), pm::ApiError);
        CHECK(remote.creates == 1);
    }
}

TEST_CASE("is_ambiguous: which errors may hide an action of the server") {
    CHECK(pm::is_ambiguous(pm::ApiError("x", 503)));
    CHECK(pm::is_ambiguous(pm::ApiError("x", 429)));
    CHECK(pm::is_ambiguous(pm::ApiError("x", 500)));
    CHECK(pm::is_ambiguous(pm::TransportError("x")));
    CHECK_FALSE(pm::is_ambiguous(pm::ApiError("x", 409)));
    CHECK_FALSE(pm::is_ambiguous(pm::AuthError("x", 401)));
    CHECK_FALSE(pm::is_ambiguous(pm::ProtocolError("x")));
    CHECK_FALSE(pm::is_ambiguous(pm::DeadlineExceeded("x")));
}
