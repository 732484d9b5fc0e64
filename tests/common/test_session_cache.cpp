#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/redact.hpp"
#include "pm/session_cache.hpp"

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pm::Deadline;
using pm::Session;
using pm::SessionCache;
using Clock = SessionCache::Clock;

const std::string k_url = "https://cloud.example.com:5000/v3";
const std::string k_user = "admin";

// A login function that counts its calls and hands out token-1, token-2, …
struct FakeLogin {
    std::atomic<int> calls{0};
    std::chrono::milliseconds delay{0};
    std::optional<Clock::time_point> expires_at;

    SessionCache::Login function() {
        return [this](const Deadline&) {
            const int n = ++calls;
            std::this_thread::sleep_for(delay);
            Session session;
            session.token = "token-" + std::to_string(n) + "-secret-value";
            session.expires_at = expires_at;
            session.data = R"({"catalog":[{"type":"compute"}]})";
            return session;
        };
    }
};

Session session_at(const std::string& token, Clock::time_point created,
                   std::optional<Clock::time_point> expires = std::nullopt) {
    return Session{token, created, expires, "data of " + token};
}

SessionCache make_cache(const fs::path& dir, std::chrono::seconds ttl = 3600s) {
    return SessionCache(dir, k_url, k_user, ttl);
}

std::vector<std::string> file_names(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

TEST_CASE("session_cache: a cold cache logs in once, then the session is reused") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir / "cache");
    FakeLogin login;
    const auto first = cache.get(login.function(), Deadline::after(5s));
    const auto second = cache.get(login.function(), Deadline::after(5s));
    CHECK(login.calls == 1);
    CHECK(first.token == "token-1-secret-value");
    CHECK(second.token == first.token);
    CHECK(second.data == first.data);
    SECTION("the entry is private") {
        struct stat info {};
        REQUIRE(::stat(cache.path().c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
        REQUIRE(::stat((dir / "cache").c_str(), &info) == 0);
        CHECK((info.st_mode & 0077) == 0);
    }
    SECTION("tokens are masked in logs") {
        CHECK(pm::redact("sent " + first.token).find(first.token) == std::string::npos);
    }
    SECTION("another (URL, user) is another entry") {
        const SessionCache other(dir / "cache", k_url, "someone-else", 3600s);
        CHECK(other.path() != cache.path());
        CHECK_FALSE(other.load());
    }
}

TEST_CASE("session_cache: a session lives session_ttl after its login") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path(), 600s);
    const auto now = Clock::now();
    SECTION("within the ttl") {
        cache.store(session_at("old-but-fine", now - 590s));
        CHECK(cache.load()->token == "old-but-fine");
    }
    SECTION("past the ttl: a miss, and get() logs in") {
        cache.store(session_at("too-old", now - 601s));
        CHECK_FALSE(cache.load());
        FakeLogin login;
        CHECK(cache.get(login.function(), Deadline::after(5s)).token == "token-1-secret-value");
        CHECK(login.calls == 1);
        CHECK(cache.load()->token == "token-1-secret-value");
    }
    SECTION("a ttl of 0 reuses nothing") {
        const auto uncached = make_cache(dir.path(), 0s);
        FakeLogin login;
        (void)uncached.get(login.function(), Deadline::after(5s));
        (void)uncached.get(login.function(), Deadline::after(5s));
        CHECK(login.calls == 2);
    }
}

TEST_CASE("session_cache: a session ends a margin before the token's own expiry") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path(), 3600s); // margin 60 s
    const auto now = Clock::now();
    CHECK(cache.fresh(session_at("t", now, now + 120s), now));
    CHECK_FALSE(cache.fresh(session_at("t", now, now + 30s), now));
    CHECK_FALSE(cache.fresh(session_at("t", now - 7200s, now), now));
    CHECK_FALSE(cache.fresh(session_at("t", now + 3600s), now)); // clock set back
    cache.store(session_at("expiring", now, now + 30s));
    CHECK_FALSE(cache.load());
    cache.store(session_at("lasting", now, now + 600s));
    CHECK(cache.load()->token == "lasting");
    SECTION("the expiry survives the file") {
        const auto loaded = cache.load();
        REQUIRE(loaded->expires_at);
        CHECK(std::chrono::abs(*loaded->expires_at - (now + 600s)) <= 1s);
    }
}

TEST_CASE("session_cache: a corrupt, foreign or unsafe entry is a miss, never an error") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    cache.store(session_at("good", Clock::now()));
    const std::string good = pm::test::read_file(cache.path());
    std::string bad;
    SECTION("empty") {
        bad = "";
    }
    SECTION("garbage") {
        bad = "\x01\x02not json at all";
    }
    SECTION("truncated") {
        bad = good.substr(0, good.size() / 2);
    }
    SECTION("not an object") {
        bad = "[1,2,3]";
    }
    SECTION("a token of the wrong type") {
        bad = R"({"version":1,"url":")" + k_url + R"(","user":"admin","token":42,)" +
              R"("created_at":1,"data":""})";
    }
    SECTION("no token") {
        bad = R"({"version":1,"url":")" + k_url + R"(","user":"admin","created_at":1,"data":""})";
    }
    SECTION("an absurd time") {
        bad = R"({"version":1,"url":")" + k_url + R"(","user":"admin","token":"t",)" +
              R"("created_at":99999999999999999,"data":""})";
    }
    SECTION("another format version") {
        bad = R"({"version":2,"url":")" + k_url + R"(","user":"admin","token":"t",)" +
              R"("created_at":1,"data":""})";
    }
    SECTION("another URL or user (a foreign file)") {
        const SessionCache other(dir.path(), k_url + "/other", "root", 3600s);
        other.store(session_at("foreign", Clock::now()));
        bad = pm::test::read_file(other.path());
    }
    pm::test::write_file(cache.path(), bad);
    fs::permissions(cache.path(), fs::perms::owner_read | fs::perms::owner_write);
    CHECK_FALSE(cache.load());
    FakeLogin login;
    CHECK(cache.get(login.function(), Deadline::after(5s)).token == "token-1-secret-value");
    CHECK(login.calls == 1);
    CHECK(cache.load()->token == "token-1-secret-value"); // replaced by a good entry
}

TEST_CASE("session_cache: an entry others may read or replace is not trusted") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    cache.store(session_at("good", Clock::now()));
    SECTION("readable by the group") {
        fs::permissions(cache.path(), fs::perms::group_read, fs::perm_options::add);
        CHECK_FALSE(cache.load());
    }
    SECTION("a symlink") {
        const auto target = dir / "elsewhere";
        fs::rename(cache.path(), target);
        fs::create_symlink(target, cache.path());
        CHECK_FALSE(cache.load());
    }
    SECTION("a directory") {
        fs::remove(cache.path());
        fs::create_directory(cache.path());
        CHECK_FALSE(cache.load());
        SECTION("a session that cannot be saved is still returned") {
            FakeLogin login;
            CHECK(cache.get(login.function(), Deadline::after(5s)).token == "token-1-secret-value");
            CHECK_THROWS_AS(cache.store(session_at("x", Clock::now())), pm::SystemError);
        }
    }
}

TEST_CASE("session_cache: an unusable cache directory costs logins, not errors") {
    pm::test::TempDir dir;
    pm::test::write_file(dir / "file", "");
    const auto cache = make_cache(dir / "file" / "cache");
    FakeLogin login;
    CHECK(cache.get(login.function(), Deadline::after(5s)).token == "token-1-secret-value");
    CHECK(cache.get(login.function(), Deadline::after(5s)).token == "token-2-secret-value");
    CHECK_FALSE(cache.load());
}

TEST_CASE("session_cache: entries are replaced whole, never seen half-written") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    const auto session_number = [](int n) {
        const std::string token = "token-" + std::to_string(n);
        Session session = session_at(token, Clock::now());
        session.data.clear();
        for (int i = 0; i < 2000; ++i) {
            session.data += token + ";";
        }
        return session;
    };
    cache.store(session_number(0));
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int n = 1; n <= 200; ++n) {
            cache.store(session_number(n));
        }
        done = true;
    });
    int reads = 0;
    int bad = 0;
    while (!done || reads == 0) {
        const auto loaded = cache.load();
        ++reads;
        if (!loaded || loaded->data.find(loaded->token + ";") != 0 ||
            loaded->data.size() != 2000 * (loaded->token.size() + 1)) {
            ++bad;
        }
    }
    writer.join();
    CHECK(bad == 0);
    CHECK(cache.load()->token == "token-200");
    CHECK(file_names(dir.path()) == std::vector<std::string>{cache.path().filename().string()});
}

TEST_CASE("session_cache: drop removes only the token it was given") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    cache.drop("nothing cached", Deadline::after(1s));
    cache.store(session_at("fresh", Clock::now()));
    cache.drop("stale", Deadline::after(1s));
    CHECK(cache.load()->token == "fresh");
    cache.drop("fresh", Deadline::after(1s));
    CHECK_FALSE(cache.load());
}

TEST_CASE("session_cache: threads refreshing at once log in once") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    FakeLogin login;
    login.delay = 100ms;
    std::vector<std::string> tokens(8);
    std::vector<std::thread> threads;
    for (auto& token : tokens) {
        threads.emplace_back(
            [&] { token = cache.get(login.function(), Deadline::after(10s)).token; });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    CHECK(login.calls == 1);
    for (const auto& token : tokens) {
        CHECK(token == "token-1-secret-value");
    }
}

TEST_CASE("session_cache: waiting for another process's login ends at the deadline") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    // Someone holds the entry lock (logging in) and never finishes.
    const auto lock_path = fs::path(cache.path()).replace_extension(".lock");
    const auto busy = pm::FileLock::try_lock(lock_path);
    REQUIRE(busy.held());
    FakeLogin login;
    CHECK_THROWS_WITH(cache.get(login.function(), Deadline::after(100ms)),
                      Catch::Contains("waiting for another process's login to") &&
                          !Catch::Contains(".lock"));
    CHECK(login.calls == 0);
}

TEST_CASE("session_cache: with_session logs in again once on an auth error") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    FakeLogin login;
    std::vector<std::string> used;
    SECTION("no auth error: one use") {
        const auto result =
            cache.with_session(login.function(), Deadline::after(5s), [&](const Session& session) {
                used.push_back(session.token);
                return 7;
            });
        CHECK(result == 7);
        CHECK(used.size() == 1);
        CHECK(login.calls == 1);
    }
    SECTION("a rejected cached session is dropped, replaced and the use retried") {
        cache.store(session_at("revoked", Clock::now()));
        cache.with_session(login.function(), Deadline::after(5s), [&](const Session& session) {
            used.push_back(session.token);
            if (session.token == "revoked") {
                throw pm::AuthError("401", 401);
            }
        });
        CHECK(used == std::vector<std::string>{"revoked", "token-1-secret-value"});
        CHECK(login.calls == 1);
        CHECK(cache.load()->token == "token-1-secret-value");
    }
    SECTION("a second auth error propagates: no third attempt") {
        const auto use = [&](const Session& session) {
            used.push_back(session.token);
            throw pm::AuthError("401", 401);
        };
        CHECK_THROWS_AS(cache.with_session(login.function(), Deadline::after(5s), use),
                        pm::AuthError);
        CHECK(used.size() == 2);
        CHECK(login.calls == 2);
    }
    SECTION("a failed login is not retried") {
        const SessionCache::Login failing = [&](const Deadline&) -> Session {
            ++login.calls;
            throw pm::AuthError("bad password", 401);
        };
        CHECK_THROWS_AS(cache.with_session(failing, Deadline::after(5s),
                                           [&](const Session&) { used.emplace_back("x"); }),
                        pm::AuthError);
        CHECK(login.calls == 1);
        CHECK(used.empty());
    }
    SECTION("other errors propagate at once and keep the session") {
        const auto use = [&](const Session& session) {
            used.push_back(session.token);
            throw pm::ApiError("500", 500);
        };
        CHECK_THROWS_AS(cache.with_session(login.function(), Deadline::after(5s), use),
                        pm::ApiError);
        CHECK(used.size() == 1);
        CHECK(cache.load()->token == "token-1-secret-value");
    }
}

TEST_CASE("session_cache: a token read back from the cache file is masked from then on") {
    // What another process logged in and saved: this process never saw the login.
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    const std::string token = "cached-Zr8mQ2vT6yW1pL4n";
    cache.store(session_at(token, Clock::now()));
    REQUIRE(pm::redact("use " + token) == "use " + token);
    REQUIRE(cache.load());
    CHECK(pm::redact("use " + token) == "use ***");
    CHECK(pm::redact("cut: " + token.substr(0, 14)) == "cut: ***");
}

TEST_CASE("session_cache: a temporary file a killed writer left behind goes at the next write") {
    pm::test::TempDir dir;
    const auto cache = make_cache(dir.path());
    cache.store(session_at("token-1-secret-value", Clock::now()));
    const std::string entry = cache.path().filename().string();
    // What a writer killed between mkstemp and rename leaves (a whole session, here a stub), one of
    // a writer that may still be busy (written just now), and another entry's.
    const auto stale = dir.path() / ("." + entry + ".AbC123");
    const auto busy = dir.path() / ("." + entry + ".XyZ789");
    const auto other = dir.path() / ".session-0000000000000000.json.QqQ111";
    for (const auto& path : {stale, busy, other}) {
        pm::test::write_file(path, "{\"partial\":");
    }
    const auto old = fs::file_time_type::clock::now() - 2min;
    fs::last_write_time(stale, old);
    fs::last_write_time(other, old);
    cache.store(session_at("token-2-secret-value", Clock::now()));
    CHECK_FALSE(fs::exists(stale));
    CHECK(fs::exists(busy));
    CHECK(fs::exists(other)); // another entry's: its own writes clear it
    CHECK(cache.load()->token == "token-2-secret-value");
}
