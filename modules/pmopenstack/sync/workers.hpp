// The worker threads of vdc_sync_all's listing: tasks over OpenStack shared out among a few
// threads, each with a Connection of its own (http::Client and api::Cloud are not thread-safe;
// the session cache is shared safely through its file lock).
#pragma once

#include <atomic>
#include <functional>
#include <vector>

#include "pm/context.hpp"

#include "pmopenstack/api/cloud.hpp"

namespace pm::openstack::sync {

using Task = std::function<void(const api::Cloud&)>;

// Thrown by a task that sees `failed` set (another task failed), to end it early and quietly.
struct Cancelled {};

// Runs `tasks` on `threads` threads (no more than there are tasks), each taking the next task
// as it finishes one, with a Connection built from `module`. The first task to throw sets
// `failed`, which stops the others taking tasks (and, through Cancelled, the running ones that
// check it); its exception is rethrown here once every thread has stopped. `tick` is called on
// this thread every quarter second meanwhile.
void run_tasks(Context& module, int threads, const std::vector<Task>& tasks,
               std::atomic<bool>& failed, const std::function<void()>& tick);

} // namespace pm::openstack::sync
