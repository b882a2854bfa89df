<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>CommonOptions</name>
    <message>
        <location filename="../engine/config/commonoptions.cpp" line="+51"/>
        <source>Database URL: sqlite:///path/vigil.db or postgres://user:pass@host:port/db (env VIGIL_DB; default: vigil.db in the application data folder).</source>
        <translation>Database URL: sqlite:///path/vigil.db or postgres://user:pass@host:port/db (env VIGIL_DB; default: vigil.db in the application data folder).</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Address and port of the HTTP interface (env VIGIL_LISTEN; default 127.0.0.1:8787).</source>
        <translation>Address and port of the HTTP interface (env VIGIL_LISTEN; default 127.0.0.1:8787).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Bearer token of the admin API (env VIGIL_TOKEN).</source>
        <translation>Bearer token of the admin API (env VIGIL_TOKEN).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Prefix of every table name (env VIGIL_TABLE_PREFIX; default vigil_).</source>
        <translation>Prefix of every table name (env VIGIL_TABLE_PREFIX; default vigil_).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Settings file to read instead of the default one.</source>
        <translation>Settings file to read instead of the default one.</translation>
    </message>
</context>
<context>
    <name>vigil</name>
    <message>
        <location filename="../app/vigil/main.cpp" line="+38"/>
        <source>Vigil: fleet liveness and workflow runs.</source>
        <translation>Vigil: fleet liveness and workflow runs.</translation>
    </message>
</context>
<context>
    <name>vigil::ServerOptionParser</name>
    <message>
        <source>Answer 404 to heartbeats of unknown agents instead of registering them.</source>
        <translation type="vanished">Answer 404 to heartbeats of unknown agents instead of registering them.</translation>
    </message>
    <message>
        <source>Keep heartbeat history this many days (default 7).</source>
        <translation type="vanished">Keep heartbeat history this many days (default 7).</translation>
    </message>
    <message>
        <source>Load workflow definitions (one, or a JSON array) from FILE at start.</source>
        <translation type="vanished">Load workflow definitions (one, or a JSON array) from FILE at start.</translation>
    </message>
    <message>
        <source>Run N simulated agents that send real heartbeats over HTTP (steady, flapping, dying, cron jobs).</source>
        <translation type="vanished">Run N simulated agents that send real heartbeats over HTTP (steady, flapping, dying, cron jobs).</translation>
    </message>
</context>
<context>
    <name>vigil::ui::AgentDetail</name>
    <message>
        <location filename="../ui/fleet/agentdetail.cpp" line="+104"/>
        <source>Heartbeat interval (s)</source>
        <translation>Heartbeat interval (s)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CPU usage (%)</source>
        <translation>CPU usage (%)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Memory (MiB)</source>
        <translation>Memory (MiB)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Threads</source>
        <translation>Threads</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open file descriptors</source>
        <translation>Open file descriptors</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open files</source>
        <translation>Open files</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Agent %1</source>
        <translation>Agent %1</translation>
    </message>
    <message>
        <location line="+50"/>
        <location line="+246"/>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location line="-245"/>
        <source>Ctrl+P</source>
        <translation>Ctrl+P</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rotate key…</source>
        <translation>Rotate key…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+K</source>
        <translation>Ctrl+K</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete…</source>
        <translation>Delete…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Charts</source>
        <translation>Charts</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Heartbeats received, newest first (the latest %1 of the chart window). The store keeps no state-change log: stretches without a heartbeat longer than the agent&apos;s interval + grace are shown as missed; the current state and since when are at the top.</source>
        <translation>Heartbeats received, newest first (the latest %1 of the chart window). The store keeps no state-change log: stretches without a heartbeat longer than the agent&apos;s interval + grace are shown as missed; the current state and since when are at the top.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Received</source>
        <translation>Received</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Exit code</source>
        <translation>Exit code</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Duration</source>
        <translation>Duration</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Opened</source>
        <translation>Opened</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Title</source>
        <translation>Title</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Severity</source>
        <translation>Severity</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Resolved</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Double-click an incident to open the run that opened it.</source>
        <translation>Double-click an incident to open the run that opened it.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+441"/>
        <source>Incidents</source>
        <translation>Incidents</translation>
    </message>
    <message>
        <location line="-439"/>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How to ping</source>
        <translation>How to ping</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>15 min</source>
        <translation>15 min</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>1 h</source>
        <translation>1 h</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>24 h</source>
        <translation>24 h</translation>
    </message>
    <message>
        <location line="+39"/>
        <location line="+5"/>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>&amp;Interval:</source>
        <translation>&amp;Interval:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Grace:</source>
        <translation>&amp;Grace:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Tenant:</source>
        <translation>&amp;Tenant:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Environment:</source>
        <translation>&amp;Environment:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>comma-separated, e.g. web, eu-west</source>
        <translation>comma-separated, e.g. web, eu-west</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>T&amp;ags:</source>
        <translation>T&amp;ags:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Save</source>
        <translation>&amp;Save</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save (%1)</source>
        <translation>Save (%1)</translation>
    </message>
    <message>
        <location line="+24"/>
        <location line="+420"/>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
    <message>
        <location line="-413"/>
        <source>One heartbeat with curl:</source>
        <translation>One heartbeat with curl:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Or run the Vigil agent on the host:</source>
        <translation>Or run the Vigil agent on the host:</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>This agent signs its heartbeats: its key must be in %1 on the host (the key is shown once, when it is rotated).</source>
        <translation>This agent signs its heartbeats: its key must be in %1 on the host (the key is shown once, when it is rotated).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This agent has no key, so its heartbeats are not signed. Rotate the key to require signed heartbeats.</source>
        <translation>This agent has no key, so its heartbeats are not signed. Rotate the key to require signed heartbeats.</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Cannot read the agent: %1</source>
        <translation>Cannot read the agent: %1</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>tenant %1</source>
        <translation>tenant %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>environment %1</source>
        <translation>environment %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>tags %1</source>
        <translation>tags %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>every %1, grace %2</source>
        <translation>every %1, grace %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>last seen %1</source>
        <translation>last seen %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>never seen</source>
        <translation>never seen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 since %2</source>
        <translation>%1 since %2</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n missed</source>
        <translation>
            <numerusform>%n missed</numerusform>
            <numerusform>%n missed</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Cannot read heartbeats: %1</source>
        <translation>Cannot read heartbeats: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+126"/>
        <source>%n heartbeat(s) in the window</source>
        <translation>
            <numerusform>%n heartbeat in the window</numerusform>
            <numerusform>%n heartbeats in the window</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>only the latest %1 are charted</source>
        <translation>only the latest %1 are charted</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>missed</source>
        <translation>missed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no heartbeat for %1 (interval + grace is %2)</source>
        <translation>no heartbeat for %1 (interval + grace is %2)</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Cannot read incidents: %1</source>
        <translation>Cannot read incidents: %1</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>open</source>
        <translation>open</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>resolved</source>
        <translation>resolved</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Incidents (%1 open)</source>
        <translation>Incidents (%1 open)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cannot change the agent: %1</source>
        <translation>Cannot change the agent: %1</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>The tenant cannot be empty.</source>
        <translation>The tenant cannot be empty.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Saving…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Not saved: %1</source>
        <translation>Not saved: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Saved.</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+6"/>
        <source>Rotate key</source>
        <translation>Rotate key</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>Give %1 a new signing key? Its heartbeats are refused until the host has the new key.</source>
        <translation>Give %1 a new signing key? Its heartbeats are refused until the host has the new key.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The key was not rotated: %1</source>
        <translation>The key was not rotated: %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no key answered</source>
        <translation>no key answered</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>New key for %1</source>
        <translation>New key for %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Copy this key now: it is not shown again. Put it in %1 on the agent&apos;s host.</source>
        <translation>Copy this key now: it is not shown again. Put it in %1 on the agent&apos;s host.</translation>
    </message>
    <message>
        <location line="+24"/>
        <location line="+7"/>
        <source>Delete agent</source>
        <translation>Delete agent</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>Delete %1 and its heartbeat history? This cannot be undone.</source>
        <translation>Delete %1 and its heartbeat history? This cannot be undone.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Not deleted: %1</source>
        <translation>Not deleted: %1</translation>
    </message>
</context>
<context>
    <name>vigil::ui::EditCommands</name>
    <message>
        <location filename="../ui/editor/editcommands.cpp" line="+43"/>
        <source>Insert step %1</source>
        <translation>Insert step %1</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Remove step %1</source>
        <translation>Remove step %1</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Move step %1</source>
        <translation>Move step %1</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>name</source>
        <translation>name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>handler</source>
        <translation>handler</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>config</source>
        <translation>config</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>timeout</source>
        <translation>timeout</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>delay</source>
        <translation>delay</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>retry policy</source>
        <translation>retry policy</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>on false</source>
        <translation>on false</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Set %1 of %2</source>
        <translation>Set %1 of %2</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Add branch</source>
        <translation>Add branch</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Remove branch</source>
        <translation>Remove branch</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Change workflow properties</source>
        <translation>Change workflow properties</translation>
    </message>
</context>
<context>
    <name>vigil::ui::FleetModel</name>
    <message>
        <location filename="../ui/fleet/fleetmodel.cpp" line="+168"/>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tenant</source>
        <translation>Tenant</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Environment</source>
        <translation>Environment</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last seen</source>
        <translation>Last seen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Interval</source>
        <translation>Interval</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Misses</source>
        <translation>Misses</translation>
    </message>
</context>
<context>
    <name>vigil::ui::FleetView</name>
    <message>
        <location filename="../ui/fleet/fleetview.cpp" line="+78"/>
        <source>Agents as tiles</source>
        <translation>Agents as tiles</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Agents as a table</source>
        <translation>Agents as a table</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Search id or tag (Ctrl+F)</source>
        <translation>Search id or tag (Ctrl+F)</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Tenant</source>
        <translation>Tenant</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Environment</source>
        <translation>Environment</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tag</source>
        <translation>Tag</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Show only agents that are %1 (click again to show all)</source>
        <translation>Show only agents that are %1 (click again to show all)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Tiles</source>
        <translation>Tiles</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Alt+1</source>
        <translation>Ctrl+Alt+1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Table</source>
        <translation>Table</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Alt+2</source>
        <translation>Ctrl+Alt+2</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>All tenants</source>
        <translation>All tenants</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All environments</source>
        <translation>All environments</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All tags</source>
        <translation>All tags</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>%1 of %2 agents</source>
        <translation>%1 of %2 agents</translation>
    </message>
</context>
<context>
    <name>vigil::ui::IncidentsModel</name>
    <message>
        <location filename="../ui/signals/incidentsmodel.cpp" line="+51"/>
        <source>Could not list incidents: %1</source>
        <translation>Could not list incidents: %1</translation>
    </message>
    <message>
        <location line="+68"/>
        <source>Title</source>
        <translation>Title</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Severity</source>
        <translation>Severity</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resource</source>
        <translation>Resource</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Opened</source>
        <translation>Opened</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolved</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run</source>
        <translation>Run</translation>
    </message>
</context>
<context>
    <name>vigil::ui::IncidentsView</name>
    <message>
        <location filename="../ui/signals/incidentsview.cpp" line="+30"/>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolved</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All</source>
        <translation>All</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open &amp;run</source>
        <translation>Open &amp;run</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Re&amp;fresh</source>
        <translation>Re&amp;fresh</translation>
    </message>
</context>
<context>
    <name>vigil::ui::JsonEdit</name>
    <message>
        <location filename="../ui/editor/jsonedit.cpp" line="+60"/>
        <source>Not valid JSON: %1</source>
        <translation>Not valid JSON: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Expected a JSON array</source>
        <translation>Expected a JSON array</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Expected a JSON object</source>
        <translation>Expected a JSON object</translation>
    </message>
</context>
<context>
    <name>vigil::ui::JsonView</name>
    <message>
        <location filename="../ui/runs/jsonview.cpp" line="+20"/>
        <source>Show all</source>
        <translation>Show all</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Showing %1 of %2 characters.</source>
        <translation>Showing %1 of %2 characters.</translation>
    </message>
</context>
<context>
    <name>vigil::ui::MainWindow</name>
    <message>
        <location filename="../ui/app/mainwindow.cpp" line="+41"/>
        <source>Vigil</source>
        <translation>Vigil</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Opening the database…</source>
        <translation>Opening the database…</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Overview</source>
        <translation>Overview</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Fleet</source>
        <translation>Fleet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs</source>
        <translation>Runs</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Workflows</source>
        <translation>Workflows</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Signals</source>
        <translation>Signals</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Incidents</source>
        <translation>Incidents</translation>
    </message>
    <message>
        <source>This view is not available in this build.</source>
        <translation type="vanished">This view is not available in this build.</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Settings…</source>
        <translation>&amp;Settings…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;View</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Full Screen</source>
        <translation>&amp;Full Screen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About Vigil</source>
        <translation>&amp;About Vigil</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About Vigil</source>
        <translation>About Vigil</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;Vigil %1&lt;/h3&gt;&lt;p&gt;Fleet liveness and workflow runs.&lt;/p&gt;&lt;p&gt;Licensed under the GNU General Public License, version 3 or later.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Vigil %1&lt;/h3&gt;&lt;p&gt;Fleet liveness and workflow runs.&lt;/p&gt;&lt;p&gt;Licensed under the GNU General Public License, version 3 or later.&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>About &amp;Qt</source>
        <translation>About &amp;Qt</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Listening on %1</source>
        <translation>Listening on %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Heartbeats: %1/heartbeat/&lt;id&gt;</source>
        <translation>Heartbeats: %1/heartbeat/&lt;id&gt;</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cannot start: %1</source>
        <translation>Cannot start: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vigil cannot start</source>
        <translation>Vigil cannot start</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Vigil cannot start: %1</source>
        <translation>Vigil cannot start: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Settings…</source>
        <translation>Settings…</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>%1 (run %2)</source>
        <translation>%1 (run %2)</translation>
    </message>
</context>
<context>
    <name>vigil::ui::MessageBar</name>
    <message>
        <location filename="../ui/runs/messagebar.cpp" line="+25"/>
        <source>Close</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>vigil::ui::OverviewView</name>
    <message>
        <location filename="../ui/fleet/overviewview.cpp" line="+68"/>
        <source>Heartbeats per second (5 s average)</source>
        <translation>Heartbeats per second (5 s average)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>accepted</source>
        <translation>accepted</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Agents by state</source>
        <translation>Agents by state</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Runs per minute by status (last hour)</source>
        <translation>Runs per minute by status (last hour)</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Double-click (or Enter) opens the agent, or the run that opened the incident.</source>
        <translation>Double-click (or Enter) opens the agent, or the run that opened the incident.</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>Open incidents</source>
        <translation>Open incidents</translation>
    </message>
    <message>
        <location line="+150"/>
        <source>Cannot read incidents: %1</source>
        <translation>Cannot read incidents: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n open incident(s)</source>
        <translation>
            <numerusform>%n open incident</numerusform>
            <numerusform>%n open incidents</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>More than %1 open incidents</source>
        <translation>More than %1 open incidents</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 — %2 (%3, opened %4)</source>
        <translation>%1 — %2 (%3, opened %4)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Nothing is open.</source>
        <translation>Nothing is open.</translation>
    </message>
</context>
<context>
    <name>vigil::ui::Presentation</name>
    <message>
        <location filename="../ui/common/presentation.cpp" line="+73"/>
        <source>new</source>
        <translation>new</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>up</source>
        <translation>up</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>late</source>
        <translation>late</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>down</source>
        <translation>down</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>paused</source>
        <translation>paused</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+19"/>
        <source>pending</source>
        <translation>pending</translation>
    </message>
    <message>
        <location line="-17"/>
        <location line="+21"/>
        <source>running</source>
        <translation>running</translation>
    </message>
    <message>
        <location line="-19"/>
        <source>waiting</source>
        <translation>waiting</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+19"/>
        <source>completed</source>
        <translation>completed</translation>
    </message>
    <message>
        <location line="-17"/>
        <location line="+19"/>
        <source>failed</source>
        <translation>failed</translation>
    </message>
    <message>
        <location line="-17"/>
        <source>canceled</source>
        <translation>canceled</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>scheduled</source>
        <translation>scheduled</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>skipped</source>
        <translation>skipped</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>never</source>
        <translation>never</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>just now</source>
        <translation>just now</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 s ago</source>
        <translation>%1 s ago</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 min ago</source>
        <translation>%1 min ago</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 h ago</source>
        <translation>%1 h ago</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 d ago</source>
        <translation>%1 d ago</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
</context>
<context>
    <name>vigil::ui::RunControl</name>
    <message>
        <location filename="../ui/runs/runcontrol.cpp" line="+30"/>
        <source>Could not retry %1: %2</source>
        <translation>Could not retry %1: %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>canceled from the dashboard</source>
        <translation>canceled from the dashboard</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Could not cancel %1: %2</source>
        <translation>Could not cancel %1: %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Could not replay signal %1: %2</source>
        <translation>Could not replay signal %1: %2</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Replaying signal %1 started no run: no enabled workflow matches it.</source>
        <translation>Replaying signal %1 started no run: no enabled workflow matches it.</translation>
    </message>
</context>
<context>
    <name>vigil::ui::RunView</name>
    <message>
        <location filename="../ui/runs/runview.cpp" line="+64"/>
        <location line="+1"/>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Event</source>
        <translation>Event</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Step</source>
        <translation>Step</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Level</source>
        <translation>Level</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Data</source>
        <translation>Data</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Run %1</source>
        <translation>Run %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Retry</source>
        <translation>&amp;Retry</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Cancel</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Re&amp;play</source>
        <translation>Re&amp;play</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Dry-run replay</source>
        <translation>&amp;Dry-run replay</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom in</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom out</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Fit</source>
        <translation>Fit</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Timeline</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Logs</source>
        <translation>Logs</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Step result</source>
        <translation>Step result</translation>
    </message>
    <message>
        <location line="+125"/>
        <source>Could not read run %1: %2</source>
        <translation>Could not read run %1: %2</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>replay</source>
        <translation>replay</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>dry run</source>
        <translation>dry run</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not started</source>
        <translation>not started</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&lt;b&gt;%1&lt;/b&gt; &amp;nbsp; &lt;span style=&quot;color:%2&quot;&gt;●&lt;/span&gt; %3 &amp;nbsp; %4 &amp;nbsp; %5 %6&lt;br/&gt;&lt;small&gt;%7 · tenant %8 · signal %9&lt;/small&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; &amp;nbsp; &lt;span style=&quot;color:%2&quot;&gt;●&lt;/span&gt; %3 &amp;nbsp; %4 &amp;nbsp; %5 %6&lt;br/&gt;&lt;small&gt;%7 · tenant %8 · signal %9&lt;/small&gt;</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Canceled: %1</source>
        <translation>Canceled: %1</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Step: %1</source>
        <translation>Step: %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>%1 has no result (%2).</source>
        <translation>%1 has no result (%2).</translation>
    </message>
    <message numerus="yes">
        <location line="+47"/>
        <source>The dry-run replay started %n run(s). Open it?</source>
        <translation>
            <numerusform>The dry-run replay started %n run. Open it?</numerusform>
            <numerusform>The dry-run replay started %n runs. Open the first one?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>The replay started %n run(s). Open it?</source>
        <translation>
            <numerusform>The replay started %n run. Open it?</numerusform>
            <numerusform>The replay started %n runs. Open the first one?</numerusform>
        </translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open the new run?</source>
        <translation>Open the new run?</translation>
    </message>
</context>
<context>
    <name>vigil::ui::RunsModel</name>
    <message>
        <location filename="../ui/runs/runsmodel.cpp" line="+72"/>
        <source>Could not list runs: %1</source>
        <translation>Could not list runs: %1</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Could not list workflows: %1</source>
        <translation>Could not list workflows: %1</translation>
    </message>
    <message>
        <location line="+112"/>
        <source>Canceled: %1</source>
        <translation>Canceled: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Created %1</source>
        <translation>Created %1</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>replay</source>
        <translation>replay</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>dry run</source>
        <translation>dry run</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Workflow</source>
        <translation>Workflow</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tenant</source>
        <translation>Tenant</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Signal</source>
        <translation>Signal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Started</source>
        <translation>Started</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duration</source>
        <translation>Duration</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Marks</source>
        <translation>Marks</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Id</source>
        <translation>Id</translation>
    </message>
</context>
<context>
    <name>vigil::ui::RunsView</name>
    <message>
        <location filename="../ui/runs/runsview.cpp" line="+50"/>
        <source>Any status</source>
        <translation>Any status</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+149"/>
        <source>Any workflow</source>
        <translation>Any workflow</translation>
    </message>
    <message>
        <location line="-147"/>
        <source>Tenant</source>
        <translation>Tenant</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>All time</source>
        <translation>All time</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last hour</source>
        <translation>Last hour</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 24 hours</source>
        <translation>Last 24 hours</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 7 days</source>
        <translation>Last 7 days</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Open</source>
        <translation>&amp;Open</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Retry</source>
        <translation>&amp;Retry</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Retry the selected failed runs (Ctrl+R)</source>
        <translation>Retry the selected failed runs (Ctrl+R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re&amp;play</source>
        <translation>Re&amp;play</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Replay the signals of the selected runs (Ctrl+Shift+R)</source>
        <translation>Replay the signals of the selected runs (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Dry-run replay</source>
        <translation>&amp;Dry-run replay</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Replay the signals without running actions or delays (Ctrl+D)</source>
        <translation>Replay the signals without running actions or delays (Ctrl+D)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Cancel</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel the selected runs that have not ended (Ctrl+.)</source>
        <translation>Cancel the selected runs that have not ended (Ctrl+.)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re&amp;fresh</source>
        <translation>Re&amp;fresh</translation>
    </message>
    <message numerus="yes">
        <location line="+162"/>
        <source>%n runs loaded; scroll for more</source>
        <translation>
            <numerusform>%n run loaded; scroll for more</numerusform>
            <numerusform>%n runs loaded; scroll for more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n runs</source>
        <translation>
            <numerusform>%n run</numerusform>
            <numerusform>%n runs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+18"/>
        <source>Runs retried: %n</source>
        <translation>
            <numerusform>Runs retried: %n</numerusform>
            <numerusform>Runs retried: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+18"/>
        <source>Dry-run replays started: %n</source>
        <translation>
            <numerusform>Dry-run replays started: %n</numerusform>
            <numerusform>Dry-run replays started: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Replays started: %n</source>
        <translation>
            <numerusform>Replays started: %n</numerusform>
            <numerusform>Replays started: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+11"/>
        <source>Runs canceled: %n</source>
        <translation>
            <numerusform>Runs canceled: %n</numerusform>
            <numerusform>Runs canceled: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>vigil::ui::SettingsDialog</name>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="+44"/>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Embedded SQLite file</source>
        <translation>Embedded SQLite file</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Browse…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>PostgreSQL (shared by several nodes)</source>
        <translation>PostgreSQL (shared by several nodes)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Test connection</source>
        <translation>Test connection</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Database changes take effect when Vigil starts again.</source>
        <translation>Database changes take effect when Vigil starts again.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Database</source>
        <translation>Database</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Listen address:</source>
        <translation>Listen address:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Generate a new token</source>
        <translation>Generate a new token</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Admin API token:</source>
        <translation>Admin API token:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Register unknown agents on their first heartbeat</source>
        <translation>Register unknown agents on their first heartbeat</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> days</source>
        <translation> days</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep heartbeat history:</source>
        <translation>Keep heartbeat history:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>These take effect when Vigil starts again.</source>
        <translation>These take effect when Vigil starts again.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Programs the run_command step may start (absolute paths or names):</source>
        <translation>Programs the run_command step may start (absolute paths or names):</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Engine</source>
        <translation>Engine</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>When an agent goes down</source>
        <translation>When an agent goes down</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>When an agent recovers</source>
        <translation>When an agent recovers</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>When a run fails</source>
        <translation>When a run fails</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Notifications</source>
        <translation>Notifications</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>SQLite database</source>
        <translation>SQLite database</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
        <translation>SQLite databases (*.db *.sqlite);;All files (*)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Allow a program</source>
        <translation>Allow a program</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Program (absolute path or name):</source>
        <translation>Program (absolute path or name):</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>The PostgreSQL URL must look like postgres://user:password@host:5432/database.</source>
        <translation>The PostgreSQL URL must look like postgres://user:password@host:5432/database.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Listen address: %1</source>
        <translation>Listen address: %1</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Connecting…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Connected to %1 (schema version %2).</source>
        <translation>Connected to %1 (schema version %2).</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connected to %1.</source>
        <translation>Connected to %1.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cannot connect: %1</source>
        <translation>Cannot connect: %1</translation>
    </message>
</context>
<context>
    <name>vigil::ui::SignalsModel</name>
    <message>
        <location filename="../ui/signals/signalsmodel.cpp" line="+55"/>
        <source>Could not list signals: %1</source>
        <translation>Could not list signals: %1</translation>
    </message>
    <message>
        <location line="+94"/>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tenant</source>
        <translation>Tenant</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source</source>
        <translation>Source</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resource</source>
        <translation>Resource</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Environment</source>
        <translation>Environment</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Id</source>
        <translation>Id</translation>
    </message>
</context>
<context>
    <name>vigil::ui::SignalsView</name>
    <message>
        <location filename="../ui/signals/signalsview.cpp" line="+34"/>
        <source>Type, e.g. agent.missed</source>
        <translation>Type, e.g. agent.missed</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tenant</source>
        <translation>Tenant</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Re&amp;play</source>
        <translation>Re&amp;play</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Dry-run replay</source>
        <translation>&amp;Dry-run replay</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show &amp;runs</source>
        <translation>Show &amp;runs</translation>
    </message>
    <message>
        <location line="+76"/>
        <source>Select a signal to see its payload.</source>
        <translation>Select a signal to see its payload.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Signal %1 is not among the loaded ones; scroll or filter to find it.</source>
        <translation>Signal %1 is not among the loaded ones; scroll or filter to find it.</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source>Dry-run replays started: %n</source>
        <translation>
            <numerusform>Dry-run replays started: %n</numerusform>
            <numerusform>Dry-run replays started: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Replays started: %n</source>
        <translation>
            <numerusform>Replays started: %n</numerusform>
            <numerusform>Replays started: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>vigil::ui::StepPropertiesPanel</name>
    <message>
        <location filename="../ui/editor/steppropertiespanel.cpp" line="+33"/>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Condition</source>
        <translation>Condition</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delay</source>
        <translation>Delay</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parallel</source>
        <translation>Parallel</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+104"/>
        <source>(not set)</source>
        <translation>(not set)</translation>
    </message>
    <message>
        <location line="-103"/>
        <source>(default: %1)</source>
        <translation>(default: %1)</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>%1 step</source>
        <translation>%1 step</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Path:</source>
        <translation>Path:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>(same as the step name)</source>
        <translation>(same as the step name)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>%1 (not registered)</source>
        <translation>%1 (not registered)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Action:</source>
        <translation>&amp;Action:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Condition:</source>
        <translation>&amp;Condition:</translation>
    </message>
    <message>
        <location line="+18"/>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Delay:</source>
        <translation>&amp;Delay:</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Complete the run</source>
        <translation>Complete the run</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Skip the next step</source>
        <translation>Skip the next step</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Skip the next N steps</source>
        <translation>Skip the next N steps</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>When &amp;false:</source>
        <translation>When &amp;false:</translation>
    </message>
    <message>
        <location line="+25"/>
        <location line="+21"/>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <location line="-20"/>
        <source>(none)</source>
        <translation>(none)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Timeout:</source>
        <translation>&amp;Timeout:</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;Retry on failure</source>
        <translation>&amp;Retry on failure</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Max attempts:</source>
        <translation>Max attempts:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Backoff:</source>
        <translation>Backoff:</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Add branch</source>
        <translation>Add branch</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove last branch</source>
        <translation>Remove last branch</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Branches: %1</source>
        <translation>Branches: %1</translation>
    </message>
    <message>
        <location line="+104"/>
        <source>true</source>
        <translation>true</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>false</source>
        <translation>false</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>{ } (no config)</source>
        <translation>{ } (no config)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Config as JSON:</source>
        <translation>Config as JSON:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Config (JSON):</source>
        <translation>Config (JSON):</translation>
    </message>
</context>
<context>
    <name>vigil::ui::TestRunDialog</name>
    <message>
        <location filename="../ui/editor/testrundialog.cpp" line="+36"/>
        <source>Test run of %1</source>
        <translation>Test run of %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The sample signal below starts one dry run of the saved workflow: conditions are evaluated, actions and delays are skipped, no other workflow runs.</source>
        <translation>The sample signal below starts one dry run of the saved workflow: conditions are evaluated, actions and delays are skipped, no other workflow runs.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Start dry run</source>
        <translation>Start dry run</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>expected a JSON object</source>
        <translation>expected a JSON object</translation>
    </message>
</context>
<context>
    <name>vigil::ui::TileDelegate</name>
    <message>
        <location filename="../ui/fleet/tiledelegate.cpp" line="+65"/>
        <source>%1 · last seen %2</source>
        <translation>%1 · last seen %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 · never seen</source>
        <translation>%1 · never seen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>no recent heartbeats</source>
        <translation>no recent heartbeats</translation>
    </message>
</context>
<context>
    <name>vigil::ui::TimelineLayout</name>
    <message>
        <source>Run</source>
        <translation type="vanished">Run</translation>
    </message>
    <message>
        <location filename="../ui/runs/timelinelayout.cpp" line="+88"/>
        <source>%1 · branch %2</source>
        <translation>%1 · branch %2</translation>
    </message>
    <message>
        <source>parallel</source>
        <translation type="vanished">parallel</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>waiting</source>
        <translation>waiting</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 — waiting
%2
Waited: %3</source>
        <translation>%1 — waiting
%2
Waited: %3</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Delay</source>
        <translation>Delay</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Due, not yet started</source>
        <translation>Due, not yet started</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retry back-off before attempt %1</source>
        <translation>Retry back-off before attempt %1</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>%1 #%2</source>
        <translation>%1 #%2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attempt %1: %2</source>
        <translation>Attempt %1: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Started: %1</source>
        <translation>Started: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ended: %1</source>
        <translation>Ended: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Duration: %1</source>
        <translation>Duration: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Late by: %1</source>
        <translation>Late by: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Error: %1</source>
        <translation>Error: %1</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 — skipped</source>
        <translation>%1 — skipped</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Due at %1</source>
        <translation>Due at %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pending</source>
        <translation>Pending</translation>
    </message>
</context>
<context>
    <name>vigil::ui::TrayNotifier</name>
    <message>
        <location filename="../ui/app/traynotifier.cpp" line="+45"/>
        <source>Show Vigil</source>
        <translation>Show Vigil</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Quit</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Vigil — %1 up, %2 late, %3 down, %4 paused, %5 new</source>
        <translation>Vigil — %1 up, %2 late, %3 down, %4 paused, %5 new</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source> and %n more</source>
        <translation>
            <numerusform> and %n more</numerusform>
            <numerusform> and %n more</numerusform>
        </translation>
    </message>
    <message>
        <location line="+15"/>
        <source>It reported a failure.</source>
        <translation>It reported a failure.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Agent down: %1</source>
        <translation>Agent down: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+0"/>
        <source>%n agents are down</source>
        <translation>
            <numerusform>%n agent is down</numerusform>
            <numerusform>%n agents are down</numerusform>
        </translation>
    </message>
    <message>
        <location line="-3"/>
        <source>No heartbeat within its interval and grace.</source>
        <translation>No heartbeat within its interval and grace.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Agent recovered: %1</source>
        <translation>Agent recovered: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n agents recovered</source>
        <translation>
            <numerusform>%n agent recovered</numerusform>
            <numerusform>%n agents recovered</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Heartbeats are arriving again.</source>
        <translation>Heartbeats are arriving again.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Run failed</source>
        <translation>Run failed</translation>
    </message>
    <message numerus="yes">
        <location line="+0"/>
        <source>%n runs failed</source>
        <translation>
            <numerusform>%n run failed</numerusform>
            <numerusform>%n runs failed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowCanvas</name>
    <message>
        <location filename="../ui/editor/workflowcanvas.cpp" line="+55"/>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Condition</source>
        <translation>Condition</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delay</source>
        <translation>Delay</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parallel</source>
        <translation>Parallel</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>%n h</source>
        <translation>
            <numerusform>%n h</numerusform>
            <numerusform>%n h</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n min</source>
        <translation>
            <numerusform>%n min</numerusform>
            <numerusform>%n min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location line="+205"/>
        <source>if false</source>
        <translation>if false</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>(no trigger)</source>
        <translation>(no trigger)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trigger · cron %1</source>
        <translation>Trigger · cron %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Trigger</source>
        <translation>Trigger</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>(unnamed)</source>
        <translation>(unnamed)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Delay · %1</source>
        <translation>Delay · %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>not set</source>
        <translation>not set</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>Parallel · %n branch(es)</source>
        <translation>
            <numerusform>Parallel · %n branch</numerusform>
            <numerusform>Parallel · %n branches</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowEditor</name>
    <message>
        <location filename="../ui/editor/workfloweditor.cpp" line="+67"/>
        <source>Insert &amp;action</source>
        <translation>Insert &amp;action</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert &amp;condition</source>
        <translation>Insert &amp;condition</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert &amp;delay</source>
        <translation>Insert &amp;delay</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert &amp;parallel</source>
        <translation>Insert &amp;parallel</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Delete step</source>
        <translation>&amp;Delete step</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move step &amp;up</source>
        <translation>Move step &amp;up</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move step do&amp;wn</source>
        <translation>Move step do&amp;wn</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add &amp;branch</source>
        <translation>Add &amp;branch</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Runs a registered action (Insert)</source>
        <translation>Runs a registered action (Insert)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Condition</source>
        <translation>Condition</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Continues only when true (Shift+Insert)</source>
        <translation>Continues only when true (Shift+Insert)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delay</source>
        <translation>Delay</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Waits, durably (Ctrl+Insert)</source>
        <translation>Waits, durably (Ctrl+Insert)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parallel</source>
        <translation>Parallel</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Runs branches at once (Ctrl+Shift+Insert)</source>
        <translation>Runs branches at once (Ctrl+Shift+Insert)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Drag onto the canvas, or double-click to add after the selection.</source>
        <translation>Drag onto the canvas, or double-click to add after the selection.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Steps</source>
        <translation>Steps</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>No problems</source>
        <translation>No problems</translation>
    </message>
    <message numerus="yes">
        <location line="+0"/>
        <source>%n problem(s)</source>
        <translation>
            <numerusform>%n problem</numerusform>
            <numerusform>%n problems</numerusform>
        </translation>
    </message>
    <message>
        <location line="+95"/>
        <source>Insert action here</source>
        <translation>Insert action here</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert condition here</source>
        <translation>Insert condition here</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert delay here</source>
        <translation>Insert delay here</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert parallel here</source>
        <translation>Insert parallel here</translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowListModel</name>
    <message>
        <location filename="../ui/editor/workflowlistmodel.cpp" line="+88"/>
        <source>%1 (cron)</source>
        <translation>%1 (cron)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>never ran</source>
        <translation>never ran</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trigger</source>
        <translation>Trigger</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enabled</source>
        <translation>Enabled</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last run</source>
        <translation>Last run</translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowPropertiesPanel</name>
    <message>
        <location filename="../ui/editor/workflowpropertiespanel.cpp" line="+32"/>
        <source>No schedule: the workflow runs on signals only.</source>
        <translation>No schedule: the workflow runs on signals only.</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+3"/>
        <source>Invalid: %1</source>
        <translation>Invalid: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Never fires within five years.</source>
        <translation>Never fires within five years.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next firings:</source>
        <translation>Next firings:</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Workflow</source>
        <translation>Workflow</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Description:</source>
        <translation>&amp;Description:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Tenant:</source>
        <translation>&amp;Tenant:</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>T&amp;rigger type:</source>
        <translation>T&amp;rigger type:</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>&amp;Environment filter:</source>
        <translation>&amp;Environment filter:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>any environment</source>
        <translation>any environment</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resource t&amp;ype filter:</source>
        <translation>Resource t&amp;ype filter:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>any resource type</source>
        <translation>any resource type</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Runs when its trigger fires</source>
        <translation>Runs when its trigger fires</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enabled:</source>
        <translation>Enabled:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Schedule</source>
        <translation>Schedule</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>minute hour day month weekday, e.g. 0 2 * * *</source>
        <translation>minute hour day month weekday, e.g. 0 2 * * *</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Cron:</source>
        <translation>&amp;Cron:</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>UTC</source>
        <translation>UTC</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Time &amp;zone:</source>
        <translation>Time &amp;zone:</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Workflow config (JSON, ctx.config)</source>
        <translation>Workflow config (JSON, ctx.config)</translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowsView</name>
    <message>
        <location filename="../ui/editor/workflowsview.cpp" line="+59"/>
        <source>&amp;New</source>
        <translation>&amp;New</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Save</source>
        <translation>&amp;Save</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Undo</source>
        <translation>&amp;Undo</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Redo</source>
        <translation>&amp;Redo</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;Import…</source>
        <translation>&amp;Import…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Export…</source>
        <translation>&amp;Export…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restore defaults</source>
        <translation>Restore defaults</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Create again the default workflows that are missing (incident on missed heartbeat, incident on reported failure, resolve on recovery); those present stay as they are</source>
        <translation>Create again the default workflows that are missing (incident on missed heartbeat, incident on reported failure, resolve on recovery); those present stay as they are</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+110"/>
        <source>Disable</source>
        <translation>Disable</translation>
    </message>
    <message>
        <location line="-109"/>
        <source>&amp;Test run…</source>
        <translation>&amp;Test run…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+315"/>
        <source>Delete workflow</source>
        <translation>Delete workflow</translation>
    </message>
    <message>
        <location line="-272"/>
        <source>Import workflows</source>
        <translation>Import workflows</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pulse workflow JSON (*.json);;All files (*)</source>
        <translation>Pulse workflow JSON (*.json);;All files (*)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export workflow</source>
        <translation>Export workflow</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pulse workflow JSON (*.json)</source>
        <translation>Pulse workflow JSON (*.json)</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Save (%1)</source>
        <translation>Save (%1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fix the problems listed under the canvas before saving</source>
        <translation>Fix the problems listed under the canvas before saving</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Enable</source>
        <translation>Enable</translation>
    </message>
    <message numerus="yes">
        <location line="+5"/>
        <source>Cannot save: %n problem(s), listed under the canvas.</source>
        <translation>
            <numerusform>Cannot save: %n problem, listed under the canvas.</numerusform>
            <numerusform>Cannot save: %n problems, listed under the canvas.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unsaved changes to version %1.</source>
        <translation>Unsaved changes to version %1.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Not saved yet.</source>
        <translation>Not saved yet.</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+130"/>
        <source>Saved: version %1.</source>
        <translation>Saved: version %1.</translation>
    </message>
    <message>
        <location line="-120"/>
        <source>Unsaved changes</source>
        <translation>Unsaved changes</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The workflow &quot;%1&quot; has unsaved changes. Discard them?</source>
        <translation>The workflow &quot;%1&quot; has unsaved changes. Discard them?</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Could not load workflows: %1</source>
        <translation>Could not load workflows: %1</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>New workflow</source>
        <translation>New workflow</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Cannot save: %1</source>
        <translation>Cannot save: %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Saving…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Not saved: the workflow was changed elsewhere (%1). Reload it, then edit again.</source>
        <translation>Not saved: the workflow was changed elsewhere (%1). Reload it, then edit again.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not saved: %1</source>
        <translation>Not saved: %1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Cannot read %1: %2</source>
        <translation>Cannot read %1: %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 holds no workflow.</source>
        <translation>%1 holds no workflow.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Cannot import %1: %2</source>
        <translation>Cannot import %1: %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Imported &quot;%1&quot;: not saved yet.</source>
        <translation>Imported &quot;%1&quot;: not saved yet.</translation>
    </message>
    <message numerus="yes">
        <location line="+18"/>
        <source>Imported %n workflow(s).</source>
        <translation>
            <numerusform>Imported %n workflow.</numerusform>
            <numerusform>Imported %n workflows.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refused: %1</source>
        <translation>Refused: %1</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Delete &quot;%1&quot;? Its runs keep their copy of it.</source>
        <translation>Delete &quot;%1&quot;? Its runs keep their copy of it.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not deleted: %1</source>
        <translation>Not deleted: %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Deleted.</source>
        <translation>Deleted.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Could not change the workflow: %1</source>
        <translation>Could not change the workflow: %1</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Could not restore the default workflows: %1</source>
        <translation>Could not restore the default workflows: %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The default workflows are all there; nothing was changed.</source>
        <translation>The default workflows are all there; nothing was changed.</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Restored %n default workflow(s): %1.</source>
        <translation>
            <numerusform>Restored %n default workflow: %1.</numerusform>
            <numerusform>Restored %n default workflows: %1.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Test run</source>
        <translation>Test run</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A test run uses the saved workflow. Save your changes first to test them.</source>
        <translation>A test run uses the saved workflow. Save your changes first to test them.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Test run refused: %1</source>
        <translation>Test run refused: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Test run %1 started (dry run).</source>
        <translation>Test run %1 started (dry run).</translation>
    </message>
</context>
<context>
    <name>vigild</name>
    <message>
        <source>Vigil&apos;s engine and heartbeat collector, headless.</source>
        <translation type="vanished">Vigil&apos;s engine and heartbeat collector, headless.</translation>
    </message>
    <message>
        <source>Open and migrate the database, print its schema version and each table&apos;s row count, and exit.</source>
        <translation type="vanished">Open and migrate the database, print its schema version and each table&apos;s row count, and exit.</translation>
    </message>
</context>
</TS>
