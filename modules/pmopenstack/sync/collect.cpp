// Listing OpenStack for vdc_sync_all: every kind across all projects, Keystone's projects and
// the quota limits of the VDC projects, as tasks for the worker threads (workers.hpp).
// Each task writes only its own part of the result, so the threads share nothing but the
// snapshot's index (read only) and the progress counters.
#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmopenstack/api/inventory.hpp"
#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/quotas.hpp"
#include "pmopenstack/sync/steps.hpp"
#include "pmopenstack/sync/workers.hpp"

namespace pm::openstack::sync {
namespace {

constexpr std::size_t k_quota_chunk = 20;   // projects per quota task
constexpr std::size_t k_confirm_chunk = 20; // objects per confirmation task

bool live(store::ObjectStatus status) {
    return status == store::ObjectStatus::ordered || status == store::ObjectStatus::active ||
           status == store::ObjectStatus::error;
}

// The object of `kind` with id `id`, asked for by itself: true while OpenStack has it.
bool still_there(const api::Cloud& cloud, Kind kind, const std::string& id) {
    switch (kind) {
    case Kind::vm: {
        const auto server = api::get_server(cloud, id);
        return server && server->status != "DELETED";
    }
    case Kind::volume:
        return api::get_volume(cloud, id).has_value();
    case Kind::network:
        return api::get_network(cloud, id).has_value();
    case Kind::router:
        return api::get_router(cloud, id).has_value();
    case Kind::router_interface: {
        const auto port = api::get_port(cloud, id);
        return port && port->device_owner == "network:router_interface";
    }
    case Kind::loadbalancer:
        return api::get_loadbalancer(cloud, id).has_value();
    }
    return false;
}

struct SubnetInfo {
    std::string network_id;
    std::string cidr;
    std::string description;
};

// An OpenStack object as the sync keeps it; `mark` is where pm writes its mark (description
// or metadata).
Found found_of(Kind kind, std::string&& id, std::string&& project, std::string&& name,
               std::string_view mark, bool error = false, bool leaving = false) {
    Found found;
    found.kind = kind;
    found.id = std::move(id);
    found.project_id = std::move(project);
    found.name = std::move(name);
    found.mark = parse_mark(mark);
    found.status = error ? store::ObjectStatus::error : store::ObjectStatus::active;
    found.leaving = leaving;
    return found;
}

class Collector {
public:
    Collector(const Snapshot& snapshot, const CollectOptions& options, Progress& progress)
        : m_options(options), m_progress(progress) {
        for (const auto& vdc : snapshot.vdcs) {
            m_projects.push_back(vdc.project_id);
            m_busy.push_back(vdc.busy);
        }
        m_vdc_projects.insert(m_projects.begin(), m_projects.end());
        std::unordered_map<ItemId, std::size_t> vdc_of;
        for (std::size_t i = 0; i < snapshot.vdcs.size(); ++i) {
            vdc_of.emplace(snapshot.vdcs[i].item, i);
        }
        // One entry per store object at most: reserved once, never grown by doubling (500k
        // objects at 10k VDCs, issue 18).
        m_watch.reserve(snapshot.objects.size());
        for (const auto& object : snapshot.objects) {
            if (object.external_id.empty()) {
                continue;
            }
            const auto slot = m_inventory.listed.size();
            const auto [it, added] =
                m_inventory.slots[index_of(object.kind)].emplace(object.external_id, slot);
            if (added) {
                m_inventory.listed.push_back(0);
            }
            // What rule 4 could mark deleted if the listing missed it.
            const auto hold = snapshot.holds.find(object.id);
            const auto vdc = vdc_of.find(object.item);
            if (live(object.status) &&
                (hold == snapshot.holds.end() || hold->second != Hold::busy) &&
                vdc != vdc_of.end() && !snapshot.vdcs[vdc->second].busy) {
                m_watch.push_back({object.kind, object.external_id, it->second, vdc->second});
            }
        }
        const auto chunks = (m_projects.size() + k_quota_chunk - 1) / k_quota_chunk;
        m_compute.resize(m_projects.size());
        m_volume.resize(m_projects.size());
        // Busy VDCs are left alone, limits included: their quotas are not asked for.
        m_progress.quotas_total = 2 * std::count(m_busy.begin(), m_busy.end(), false);
        m_chunks = chunks;
    }

    std::vector<Task> tasks();
    // After tasks(): GETs of the objects the listings missed that rule 4 would mark deleted
    // (a listing can be incomplete: a bad page, a filtering policy, a proxy). Those still
    // there count as listed.
    std::vector<Task> confirmations();
    Inventory finish();
    std::atomic<bool> failed{false};

private:
    // Counts an object listed; true when the snapshot knows it by external id (then only
    // that it was listed is kept).
    bool known(Kind kind, const std::string& id) {
        if (failed) {
            throw Cancelled{};
        }
        ++m_progress.objects;
        const auto& slots = m_inventory.slots[index_of(kind)];
        const auto it = slots.find(id);
        if (it == slots.end()) {
            return false;
        }
        // Each kind is listed by one task: no other thread writes this slot.
        m_inventory.listed[it->second] = 1;
        return true;
    }
    [[nodiscard]] bool ours(const std::string& project) const {
        return m_vdc_projects.contains(project);
    }
    void keep(Found&& found) { m_found[index_of(found.kind)].push_back(std::move(found)); }

    void list_servers(const api::Cloud& cloud);
    void list_volumes(const api::Cloud& cloud);
    void list_networks(const api::Cloud& cloud);
    void list_subnets(const api::Cloud& cloud);
    void list_routers(const api::Cloud& cloud);
    void list_interfaces(const api::Cloud& cloud);
    void list_loadbalancers(const api::Cloud& cloud);
    void list_projects(const api::Cloud& cloud);
    void quota_chunk(const api::Cloud& cloud, std::size_t chunk, bool compute);
    void network_quotas(const api::Cloud& cloud);
    void lb_quotas(const api::Cloud& cloud);
    void confirm(const api::Cloud& cloud, std::size_t from, std::size_t to);
    void fill_networks();
    void fill_references();
    [[nodiscard]] std::map<std::string, std::int64_t, std::less<>>
    limits_of(std::size_t index) const;

    const CollectOptions& m_options;
    Progress& m_progress;
    std::vector<std::string> m_projects; // of the snapshot's VDCs, in order
    std::vector<bool> m_busy;
    std::unordered_set<std::string> m_vdc_projects;
    std::size_t m_chunks = 0;
    struct Watched {
        Kind kind;
        std::string_view id; // the snapshot's, which outlives the collector
        std::size_t slot;
        std::size_t vdc; // index in m_projects
    };
    std::vector<Watched> m_watch;   // store objects with an external id rule 4 may mark
    std::vector<Watched> m_missing; // of those, the ones no listing had

    Inventory m_inventory;
    std::array<std::vector<Found>, k_kinds.size()> m_found;
    std::unordered_map<std::string, std::vector<std::string>> m_network_subnets;
    std::unordered_map<std::string, SubnetInfo> m_subnets;
    std::unordered_map<std::string, std::string> m_router_names;
    std::unordered_map<std::string, std::string> m_network_names;
    std::set<std::string> m_gone;
    std::vector<api::Limits> m_compute;
    std::vector<api::Limits> m_volume;
    std::map<std::string, api::Limits> m_network_set;
    api::Limits m_network_defaults;
    std::map<std::string, api::Limits> m_lb_set;
    api::Limits m_lb_defaults;
};

std::vector<Task> Collector::tasks() {
    // The longest listings first, so that they start at once.
    std::vector<Task> out{
        [this](const api::Cloud& c) { list_servers(c); },
        [this](const api::Cloud& c) { list_volumes(c); },
        [this](const api::Cloud& c) { list_interfaces(c); },
        [this](const api::Cloud& c) { list_networks(c); },
        [this](const api::Cloud& c) { list_subnets(c); },
        [this](const api::Cloud& c) { list_routers(c); },
        [this](const api::Cloud& c) { list_loadbalancers(c); },
        [this](const api::Cloud& c) { list_projects(c); },
    };
    if (!m_projects.empty()) {
        out.emplace_back([this](const api::Cloud& c) { network_quotas(c); });
        out.emplace_back([this](const api::Cloud& c) { lb_quotas(c); });
    }
    for (std::size_t chunk = 0; chunk < m_chunks; ++chunk) {
        out.emplace_back([this, chunk](const api::Cloud& c) { quota_chunk(c, chunk, true); });
        out.emplace_back([this, chunk](const api::Cloud& c) { quota_chunk(c, chunk, false); });
    }
    return out;
}

std::vector<Task> Collector::confirmations() {
    std::unordered_set<std::size_t> asked; // objects sharing an external id: one GET
    for (const auto& watched : m_watch) {
        if (m_inventory.listed[watched.slot] == 0 && !m_gone.contains(m_projects[watched.vdc]) &&
            asked.insert(watched.slot).second) {
            m_missing.push_back(watched);
        }
    }
    std::vector<Task> out;
    for (std::size_t from = 0; from < m_missing.size(); from += k_confirm_chunk) {
        const auto to = std::min(m_missing.size(), from + k_confirm_chunk);
        out.emplace_back([this, from, to](const api::Cloud& c) { confirm(c, from, to); });
    }
    return out;
}

void Collector::confirm(const api::Cloud& cloud, std::size_t from, std::size_t to) {
    for (auto i = from; i < to; ++i) {
        if (failed) {
            throw Cancelled{};
        }
        const auto& watched = m_missing[i];
        if (still_there(cloud, watched.kind, std::string(watched.id))) {
            // Each slot belongs to one task: no other thread writes it.
            m_inventory.listed[watched.slot] = 1;
            log::warn("{} {} was missing from the listing but is still in OpenStack: kept",
                      type_of(watched.kind), watched.id);
        }
    }
}

void Collector::list_servers(const api::Cloud& cloud) {
    api::each_server(cloud, m_options.page_size, [&](api::ServerEntry&& server) {
        if (known(Kind::vm, server.id) || !ours(server.project_id)) {
            return;
        }
        auto found = found_of(Kind::vm, std::move(server.id), std::move(server.project_id),
                              std::move(server.name), server.mark, server.status == "ERROR",
                              server.task_state == "deleting" || server.status == "SOFT_DELETED");
        if (!server.flavor_id.empty()) {
            found.params.emplace("flavor", std::move(server.flavor_id));
        }
        if (!server.image_id.empty()) {
            found.params.emplace("image", std::move(server.image_id));
        }
        keep(std::move(found));
    });
}

void Collector::list_volumes(const api::Cloud& cloud) {
    api::each_volume(cloud, m_options.page_size, [&](api::VolumeEntry&& volume) {
        if (known(Kind::volume, volume.id) || !ours(volume.project_id)) {
            return;
        }
        const bool error = volume.status == "error" || volume.status == "error_deleting";
        auto found =
            found_of(Kind::volume, std::move(volume.id), std::move(volume.project_id),
                     std::move(volume.name), volume.mark, error, volume.status == "deleting");
        found.params.emplace("size_gb", std::to_string(volume.size_gb));
        if (!volume.volume_type.empty()) {
            found.params.emplace("volume_type", std::move(volume.volume_type));
        }
        keep(std::move(found));
    });
}

void Collector::list_networks(const api::Cloud& cloud) {
    api::each_network(cloud, m_options.page_size, [&](api::Network&& network) {
        if (ours(network.project_id)) {
            m_network_names[network.id] = network.name;
        }
        if (known(Kind::network, network.id) || !ours(network.project_id) || network.external) {
            return;
        }
        m_network_subnets[network.id] = std::move(network.subnets);
        keep(found_of(Kind::network, std::move(network.id), std::move(network.project_id),
                      std::move(network.name), network.description));
    });
}

void Collector::list_subnets(const api::Cloud& cloud) {
    api::each_subnet(cloud, m_options.page_size, [&](api::Subnet&& subnet) {
        if (failed) {
            throw Cancelled{};
        }
        if (ours(subnet.project_id)) {
            m_subnets.emplace(std::move(subnet.id),
                              SubnetInfo{std::move(subnet.network_id), std::move(subnet.cidr),
                                         std::move(subnet.description)});
        }
    });
}

void Collector::list_routers(const api::Cloud& cloud) {
    api::each_router(cloud, m_options.page_size, [&](api::Router&& router) {
        if (ours(router.project_id)) {
            m_router_names[router.id] = router.name;
        }
        if (known(Kind::router, router.id) || !ours(router.project_id)) {
            return;
        }
        auto found = found_of(Kind::router, std::move(router.id), std::move(router.project_id),
                              std::move(router.name), router.description);
        found.params.emplace("external", router.gateway_network.empty() ? "off" : "on");
        keep(std::move(found));
    });
}

void Collector::list_interfaces(const api::Cloud& cloud) {
    api::each_router_interface(cloud, m_options.page_size, [&](api::Port&& port) {
        if (known(Kind::router_interface, port.id) || !ours(port.project_id) ||
            port.subnet_ids.empty()) {
            return;
        }
        // Ports of interfaces have no names of their own: fill_references() makes one.
        auto found = found_of(Kind::router_interface, std::move(port.id),
                              std::move(port.project_id), {}, {});
        found.params.emplace("router_id", port.device_id);
        found.params.emplace("subnet_id", port.subnet_ids.front());
        found.router_ref = std::move(port.device_id);
        found.network_ref = std::move(port.network_id);
        keep(std::move(found));
    });
}

void Collector::list_loadbalancers(const api::Cloud& cloud) {
    api::each_loadbalancer(cloud, m_options.page_size, [&](api::LoadBalancer&& lb) {
        if (known(Kind::loadbalancer, lb.id) || !ours(lb.project_id)) {
            return;
        }
        auto found = found_of(Kind::loadbalancer, std::move(lb.id), std::move(lb.project_id),
                              std::move(lb.name), lb.description, lb.provisioning_status == "ERROR",
                              lb.provisioning_status == "PENDING_DELETE");
        // The subnet for now; fill_references() turns it into its network.
        found.network_ref = std::move(lb.vip_subnet_id);
        keep(std::move(found));
    });
}

void Collector::list_projects(const api::Cloud& cloud) {
    const auto listed = api::all_project_ids(cloud);
    const std::unordered_set<std::string> ids(listed.ids.begin(), listed.ids.end());
    for (const auto& project : m_projects) {
        // Only a 404 of the project itself says it is gone: a list can be cut short.
        if (!ids.contains(project) && !api::get_project(cloud, project)) {
            m_gone.insert(project);
        }
    }
}

void Collector::quota_chunk(const api::Cloud& cloud, std::size_t chunk, bool compute) {
    const auto end = std::min(m_projects.size(), (chunk + 1) * k_quota_chunk);
    for (auto i = chunk * k_quota_chunk; i < end; ++i) {
        if (m_busy[i]) {
            continue;
        }
        if (failed) {
            throw Cancelled{};
        }
        try {
            if (compute) {
                m_compute[i] = api::compute_quota(cloud, m_projects[i]);
            } else {
                m_volume[i] = api::volume_quota(cloud, m_projects[i]);
            }
        } catch (const ApiError& e) {
            // Nova (and Cinder) ask Keystone: a project deleted since the snapshot is a 400
            // or 404. Its limits stay as recorded; the project check decides about the VDC.
            if (e.status() != 400 && e.status() != 404) {
                throw;
            }
            log::warn("quotas of project {} not loaded: {}", m_projects[i], e.what());
        }
        ++m_progress.quotas_done;
    }
}

void Collector::network_quotas(const api::Cloud& cloud) {
    m_network_set = api::network_quotas_set(cloud);
    // Defaults are the same for every project: asked of the admin's own, which surely exists.
    m_network_defaults = api::network_quota_defaults(cloud, cloud.token().project_id);
}

void Collector::lb_quotas(const api::Cloud& cloud) {
    m_lb_set = api::lb_quotas_set(cloud, m_options.page_size);
    m_lb_defaults = api::lb_quota_defaults(cloud, cloud.token().project_id);
}

// A network object records the subnet vdc_network_open made (marked like the network), else
// the first one Neutron lists for it.
void Collector::fill_networks() {
    for (auto& network : m_found[index_of(Kind::network)]) {
        const auto& subnets = m_network_subnets[network.id];
        const SubnetInfo* chosen = nullptr;
        std::string chosen_id;
        for (const auto& id : subnets) {
            const auto it = m_subnets.find(id);
            if (it == m_subnets.end()) {
                continue;
            }
            const bool marked = network.mark && parse_mark(it->second.description) == network.mark;
            if (chosen == nullptr || marked) {
                chosen = &it->second;
                chosen_id = id;
            }
            if (marked) {
                break;
            }
        }
        if (chosen != nullptr) {
            network.params.emplace("subnet_id", chosen_id);
            network.params.emplace("cidr", chosen->cidr);
        }
    }
}

void Collector::fill_references() {
    for (auto& lb : m_found[index_of(Kind::loadbalancer)]) {
        const auto it = m_subnets.find(lb.network_ref);
        lb.network_ref = it == m_subnets.end() ? std::string() : it->second.network_id;
    }
    for (auto& interface : m_found[index_of(Kind::router_interface)]) {
        const auto router = m_router_names.find(interface.router_ref);
        const auto network = m_network_names.find(interface.network_ref);
        interface.name = fmt::format("{}:{}", router == m_router_names.end() ? "" : router->second,
                                     network == m_network_names.end() ? "" : network->second);
    }
}

std::map<std::string, std::int64_t, std::less<>> Collector::limits_of(std::size_t index) const {
    const auto& project = m_projects[index];
    const auto network = m_network_set.find(project);
    const auto lb = m_lb_set.find(project);
    std::map<std::string, std::int64_t, std::less<>> out;
    for (const auto& name : k_quota_names) {
        std::array<const api::Limits*, 2> sources{nullptr, nullptr};
        switch (name.service) {
        case api::Service::compute:
            sources[0] = &m_compute[index];
            break;
        case api::Service::volume:
            sources[0] = &m_volume[index];
            break;
        case api::Service::network:
            sources[0] = network == m_network_set.end() ? nullptr : &network->second;
            sources[1] = &m_network_defaults;
            break;
        case api::Service::load_balancer:
            sources[0] = lb == m_lb_set.end() ? nullptr : &lb->second;
            sources[1] = &m_lb_defaults;
            break;
        default:
            break;
        }
        for (const auto* source : sources) {
            if (source == nullptr) {
                continue;
            }
            if (const auto it = source->find(name.key); it != source->end()) {
                out.emplace(std::string(name.billing), it->second);
                break;
            }
        }
    }
    return out;
}

Inventory Collector::finish() {
    fill_networks();
    fill_references();
    Inventory inventory = std::move(m_inventory);
    for (const auto kind : k_kinds) {
        auto& found = m_found[index_of(kind)];
        std::move(found.begin(), found.end(), std::back_inserter(inventory.found));
        found = {};
    }
    inventory.projects_gone = std::move(m_gone);
    for (std::size_t i = 0; i < m_projects.size(); ++i) {
        if (!m_busy[i] && !inventory.projects_gone.contains(m_projects[i])) {
            inventory.limits.emplace(m_projects[i], limits_of(i));
        }
    }
    return inventory;
}

} // namespace

Inventory collect(Context& module, const Snapshot& snapshot, const CollectOptions& options,
                  Progress& progress, const std::function<void()>& tick) {
    Collector collector(snapshot, options, progress);
    run_tasks(module, options.threads, collector.tasks(), collector.failed, tick);
    // Only for objects the listings missed: requests stay a matter of pages, not objects.
    if (const auto tasks = collector.confirmations(); !tasks.empty()) {
        run_tasks(module, options.threads, tasks, collector.failed, tick);
    }
    return collector.finish();
}

} // namespace pm::openstack::sync
