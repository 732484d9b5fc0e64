// The VMmanager 6 objects pmvmmgr6 reads, as plain structs (api/vmmanager6.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pm::vmmgr6::api {

struct User {
    std::int64_t id = 0;
    std::string email;
    std::vector<std::string> roles;
    [[nodiscard]] bool is_admin() const;
};

struct IpPoolRef {
    std::int64_t id = 0;
    std::int64_t interface = 0;
};

struct Cluster {
    std::int64_t id = 0;
    std::string name;
    std::vector<IpPoolRef> ippools;
};

struct Os {
    std::int64_t id = 0;
    std::string name;
    std::vector<std::int64_t> clusters;
};

struct Address {
    std::int64_t id = 0;
    std::string ip;
    std::int64_t interface = 0;   // 0 is the main network; known only from host_ipv4()
    std::string domain;           // the PTR; known only from host_ipv4()
    std::int64_t ippool = 0;      // its IP pool (0: not given); known only from host_ipv4()
    bool interface_given = false; // whether the reply named `interface` (a guess of the sim)
};

// A host as `GET /vm/v3/host?where=` gives it (the full object).
struct Host {
    std::int64_t id = 0;
    std::string name;
    std::string state; // creating, active, stopped, deleting, reinstalling, failed…
    std::string domain;
    std::string comment;
    std::int64_t cpu_number = 0;
    std::int64_t ram_mib = 0;
    std::int64_t disk_id = 0;
    std::int64_t disk_mib = 0;
    std::int64_t os_id = 0;
    std::string os_name;
    std::int64_t account_id = 0; // the owner
    std::vector<Address> ip4;
};

struct RecipeRef {
    std::int64_t recipe = 0;
};

struct RecipeParam {
    std::string name;
    std::string value;
};

struct SecondInterface {
    std::int64_t ippool = 0;
    std::int64_t ip_count = 1;
};

// The body of `POST /vm/v3/host`; optional fields are omitted when unset.
struct HostCreate {
    std::string name;
    std::string comment;
    std::int64_t cluster = 0;
    std::int64_t os = 0;
    std::string password;
    std::optional<std::int64_t> account;
    std::optional<std::int64_t> preset;
    std::optional<std::int64_t> cpu_number;
    std::optional<std::int64_t> ram_mib;
    std::optional<std::int64_t> hdd_mib;
    std::optional<std::int64_t> ipv4_number;
    std::optional<std::int64_t> net_bandwidth_mbitps;
    std::vector<std::int64_t> ipv4_pool;
    std::string domain;
    std::optional<RecipeRef> recipe;
    std::optional<SecondInterface> second_interface;
};

// A started remote task: its consul id (always > 0) and the task name to poll for. The name
// is empty where no source confirms it (recipe, password, owner): the task is then polled by
// its consul id alone.
struct TaskRef {
    std::int64_t consul_id = 0;
    std::string name;
};

// The reply of a task call: nullopt when it names no task (the key absent, null, 0 or "").
using MaybeTask = std::optional<TaskRef>;

struct Created {
    std::int64_t id = 0;
    MaybeTask task;                    // host_create
    std::vector<TaskRef> recipe_tasks; // recipe_task and recipe_task_list, by consul id alone
};

// The reply of restart: `start_task` (host_start) when present, else `task` (name unknown).
struct Restart {
    MaybeTask start;
};

enum class TaskState { running, complete, failed };

struct TaskStatus {
    TaskState state = TaskState::running;
    bool listed = false; // false while the task list has no row for the task yet
    std::string output;  // VMmanager's message when failed
};

struct Resources {
    std::optional<std::int64_t> cpu_number;
    std::optional<std::int64_t> ram_mib;
};

enum class Defer { no, until_stop };

} // namespace pm::vmmgr6::api
