// Typed client of the VMmanager 6 REST API (api/vmmanager6.md): one function per endpoint.
// Every call runs inside the session cache: an auth error (401, 403 without a permission
// code, or error code 1000/3001) drops the session, logs in once more and retries once.
// A non-2xx answer throws ApiError with the status, VMmanager's `error.msg` and code and the
// request id; a reply that does not parse throws ProtocolError.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/authenticated_api.hpp"
#include "pm/deadline.hpp"
#include "pm/http.hpp"
#include "pm/session_cache.hpp"

#include "pmvmmgr6/api/types.hpp"

namespace pm::vmmgr6::api {

struct Credentials {
    std::string email;
    std::string password;
};

class Client {
public:
    // `base_url` is the installation URL with any reverse-proxy prefix, without a trailing
    // slash; the session cache is keyed by (base_url, email). Creates are sent as
    // not-idempotent requests, which http::Client never repeats and sends on a fresh connection.
    Client(http::Client& http, std::string base_url, Credentials credentials,
           const SessionCache& sessions, const Deadline& deadline);
    // The policies of the session glue point back at this object: neither copied nor moved.
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // POST /auth/v4/public/token, outside the cache (the cache calls it).
    [[nodiscard]] Session login(const Deadline& deadline) const;

    [[nodiscard]] User whoami() const;
    [[nodiscard]] std::optional<Cluster> cluster(std::int64_t id) const;
    [[nodiscard]] std::vector<Os> os_list() const;
    [[nodiscard]] std::optional<std::int64_t> find_account(std::string_view email) const;
    [[nodiscard]] std::int64_t create_account(std::string_view email,
                                              std::string_view password) const;

    [[nodiscard]] std::optional<Host> host(std::int64_t id) const;
    // GET /vm/v3/host/{id}/ipv4: the addresses with their interface.
    [[nodiscard]] std::vector<Address> host_ipv4(std::int64_t host) const;
    // Hosts named `name`: the reference confirms filtering hosts by id and name only (§6.22).
    [[nodiscard]] std::vector<Host> hosts_named(std::string_view name) const;
    [[nodiscard]] Created create_host(const HostCreate& spec) const;
    // Task calls answer the task to wait for, or nullopt when the reply names none.
    [[nodiscard]] MaybeTask start(std::int64_t host) const;
    [[nodiscard]] MaybeTask stop(std::int64_t host) const;
    [[nodiscard]] Restart restart(std::int64_t host) const;
    // nullopt when the host is already gone (404).
    [[nodiscard]] std::optional<MaybeTask> delete_host(std::int64_t host) const;
    [[nodiscard]] MaybeTask change_resources(std::int64_t host, const Resources& resources,
                                             Defer defer) const;
    [[nodiscard]] MaybeTask resize_disk(std::int64_t disk, std::int64_t size_mib) const;
    [[nodiscard]] MaybeTask change_ipv4(std::int64_t host, std::int64_t delta) const;
    [[nodiscard]] MaybeTask reinstall(std::int64_t host, std::int64_t os,
                                      std::string_view password) const;
    [[nodiscard]] MaybeTask change_password(std::int64_t host, std::string_view password) const;
    // POST /vm/v3/host/{id}/account: hands the VM to another VMmanager user.
    [[nodiscard]] MaybeTask change_owner(std::int64_t host, std::int64_t account) const;
    // POST /vm/v3/host/{id}/runrecipe: the recipe's tasks (by consul id alone), maybe none.
    [[nodiscard]] std::vector<TaskRef> run_recipe(std::int64_t host, std::int64_t recipe,
                                                  const std::vector<RecipeParam>& params) const;
    // POST /vm/v3/host/{id} {name, comment}: takes effect at once, no task.
    void rename_host(std::int64_t host, std::string_view name, std::string_view comment) const;
    // POST /vm/v3/ip/{ip_id}/ptr: the address's domain, at once, no task.
    void set_ptr(std::int64_t ip, std::string_view domain) const;

    // The task's state, by consul id and name (by consul id alone when the name is empty);
    // an empty list (the task manager's lag) counts as running, not listed.
    [[nodiscard]] TaskStatus task(const TaskRef& task) const;

private:
    struct Reply;
    [[nodiscard]] Reply call(http::Method method, std::string_view path, std::string body,
                             http::Idempotency idempotency = http::Idempotency::by_method) const;
    [[nodiscard]] MaybeTask
    post_task(std::string_view path, std::string body, std::string name,
              http::Idempotency idempotency = http::Idempotency::by_method) const;

    std::string m_base_url;
    Credentials m_credentials;
    http::AuthenticatedApi m_api;
};

// `where=` for `field EQ 'value'`, escaped for a query string.
[[nodiscard]] std::string where_eq(std::string_view field, std::string_view value);

} // namespace pm::vmmgr6::api
