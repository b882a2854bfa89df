<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>CommonOptions</name>
    <message>
        <location filename="../engine/config/commonoptions.cpp" line="+51"/>
        <source>Database URL: sqlite:///path/vigil.db or postgres://user:pass@host:port/db (env VIGIL_DB; default: vigil.db in the application data folder).</source>
        <translation>Datenbank-URL: sqlite:///pfad/vigil.db oder postgres://benutzer:passwort@host:port/db (Umgebung VIGIL_DB; Standard: vigil.db im Anwendungsdatenordner).</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Address and port of the HTTP interface (env VIGIL_LISTEN; default 127.0.0.1:8787).</source>
        <translation>Adresse und Port der HTTP-Schnittstelle (Umgebung VIGIL_LISTEN; Standard 127.0.0.1:8787).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Bearer token of the admin API (env VIGIL_TOKEN).</source>
        <translation>Bearer-Token der Admin-API (Umgebung VIGIL_TOKEN).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Prefix of every table name (env VIGIL_TABLE_PREFIX; default vigil_).</source>
        <translation>Präfix aller Tabellennamen (Umgebung VIGIL_TABLE_PREFIX; Standard vigil_).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Settings file to read instead of the default one.</source>
        <translation>Einstellungsdatei, die statt der voreingestellten gelesen wird.</translation>
    </message>
</context>
<context>
    <name>vigil</name>
    <message>
        <location filename="../app/vigil/main.cpp" line="+38"/>
        <source>Vigil: fleet liveness and workflow runs.</source>
        <translation>Vigil: Lebenszeichen der Flotte und Workflow-Läufe.</translation>
    </message>
</context>
<context>
    <name>vigil::ServerOptionParser</name>
    <message>
        <source>Answer 404 to heartbeats of unknown agents instead of registering them.</source>
        <translation type="vanished">Heartbeats unbekannter Agenten mit 404 beantworten, statt die Agenten zu registrieren.</translation>
    </message>
    <message>
        <source>Keep heartbeat history this many days (default 7).</source>
        <translation type="vanished">Heartbeat-Verlauf so viele Tage aufbewahren (Standard 7).</translation>
    </message>
    <message>
        <source>Load workflow definitions (one, or a JSON array) from FILE at start.</source>
        <translation type="vanished">Beim Start Workflow-Definitionen (eine einzelne oder ein JSON-Array) aus FILE laden.</translation>
    </message>
    <message>
        <source>Run N simulated agents that send real heartbeats over HTTP (steady, flapping, dying, cron jobs).</source>
        <translation type="vanished">N simulierte Agenten ausführen, die echte Heartbeats über HTTP senden (stabil, schwankend, ausfallend, Cron-Jobs).</translation>
    </message>
</context>
<context>
    <name>vigil::ui::AgentDetail</name>
    <message>
        <location filename="../ui/fleet/agentdetail.cpp" line="+104"/>
        <source>Heartbeat interval (s)</source>
        <translation>Heartbeat-Intervall (s)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CPU usage (%)</source>
        <translation>CPU-Auslastung (%)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Memory (MiB)</source>
        <translation>Arbeitsspeicher (MiB)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Threads</source>
        <translation>Threads</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open file descriptors</source>
        <translation>Offene Dateideskriptoren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open files</source>
        <translation>Offene Dateien</translation>
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
        <translation>Pausieren</translation>
    </message>
    <message>
        <location line="-245"/>
        <source>Ctrl+P</source>
        <translation>Ctrl+P</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rotate key…</source>
        <translation>Schlüssel erneuern…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+K</source>
        <translation>Ctrl+K</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete…</source>
        <translation>Löschen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Charts</source>
        <translation>Diagramme</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Heartbeats received, newest first (the latest %1 of the chart window). The store keeps no state-change log: stretches without a heartbeat longer than the agent&apos;s interval + grace are shown as missed; the current state and since when are at the top.</source>
        <translation>Empfangene Heartbeats, neueste zuerst (die letzten %1 des Diagrammzeitraums). Der Speicher führt kein Protokoll der Zustandswechsel: Zeiträume ohne Heartbeat, die länger als Intervall + Toleranz des Agenten sind, werden als verpasst angezeigt; der aktuelle Zustand und seit wann er gilt, stehen oben.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Exit code</source>
        <translation>Rückgabecode</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Opened</source>
        <translation>Eröffnet</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Severity</source>
        <translation>Schweregrad</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Resolved</source>
        <translation>Behoben</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Double-click an incident to open the run that opened it.</source>
        <translation>Doppelklick auf einen Vorfall öffnet den Lauf, der ihn eröffnet hat.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+441"/>
        <source>Incidents</source>
        <translation>Vorfälle</translation>
    </message>
    <message>
        <location line="-439"/>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How to ping</source>
        <translation>Heartbeats senden</translation>
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
        <translation>&amp;Intervall:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Grace:</source>
        <translation>&amp;Toleranz:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Tenant:</source>
        <translation>&amp;Mandant:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Environment:</source>
        <translation>&amp;Umgebung:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>comma-separated, e.g. web, eu-west</source>
        <translation>durch Kommas getrennt, z. B. web, eu-west</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>T&amp;ags:</source>
        <translation>Ta&amp;gs:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save (%1)</source>
        <translation>Speichern (%1)</translation>
    </message>
    <message>
        <location line="+24"/>
        <location line="+420"/>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <location line="-413"/>
        <source>One heartbeat with curl:</source>
        <translation>Ein Heartbeat mit curl:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Or run the Vigil agent on the host:</source>
        <translation>Oder den Vigil-Agenten auf dem Host ausführen:</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>This agent signs its heartbeats: its key must be in %1 on the host (the key is shown once, when it is rotated).</source>
        <translation>Dieser Agent signiert seine Heartbeats: Sein Schlüssel muss auf dem Host in %1 liegen (der Schlüssel wird nur einmal angezeigt, wenn er erneuert wird).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This agent has no key, so its heartbeats are not signed. Rotate the key to require signed heartbeats.</source>
        <translation>Dieser Agent hat keinen Schlüssel, seine Heartbeats sind daher nicht signiert. Erneuern Sie den Schlüssel, um signierte Heartbeats zu verlangen.</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Cannot read the agent: %1</source>
        <translation>Der Agent kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>tenant %1</source>
        <translation>Mandant %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>environment %1</source>
        <translation>Umgebung %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>tags %1</source>
        <translation>Tags %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>every %1, grace %2</source>
        <translation>alle %1, Toleranz %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>last seen %1</source>
        <translation>zuletzt gesehen %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>never seen</source>
        <translation>nie gesehen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 since %2</source>
        <translation>%1 seit %2</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n missed</source>
        <translation>
            <numerusform>%n verpasst</numerusform>
            <numerusform>%n verpasst</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Cannot read heartbeats: %1</source>
        <translation>Heartbeats können nicht gelesen werden: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+126"/>
        <source>%n heartbeat(s) in the window</source>
        <translation>
            <numerusform>%n Heartbeat im Zeitraum</numerusform>
            <numerusform>%n Heartbeats im Zeitraum</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>only the latest %1 are charted</source>
        <translation>nur die letzten %1 sind im Diagramm</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>missed</source>
        <translation>verpasst</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no heartbeat for %1 (interval + grace is %2)</source>
        <translation>kein Heartbeat seit %1 (Intervall + Toleranz beträgt %2)</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Cannot read incidents: %1</source>
        <translation>Vorfälle können nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>open</source>
        <translation>offen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>resolved</source>
        <translation>behoben</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Incidents (%1 open)</source>
        <translation>Vorfälle (%1 offen)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cannot change the agent: %1</source>
        <translation>Der Agent kann nicht geändert werden: %1</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>The tenant cannot be empty.</source>
        <translation>Der Mandant darf nicht leer sein.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Saved.</source>
        <translation>Gespeichert.</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+6"/>
        <source>Rotate key</source>
        <translation>Schlüssel erneuern</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>Give %1 a new signing key? Its heartbeats are refused until the host has the new key.</source>
        <translation>%1 einen neuen Signaturschlüssel geben? Seine Heartbeats werden abgelehnt, bis der Host den neuen Schlüssel hat.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The key was not rotated: %1</source>
        <translation>Der Schlüssel wurde nicht erneuert: %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no key answered</source>
        <translation>kein Schlüssel zurückgegeben</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>New key for %1</source>
        <translation>Neuer Schlüssel für %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Copy this key now: it is not shown again. Put it in %1 on the agent&apos;s host.</source>
        <translation>Kopieren Sie diesen Schlüssel jetzt: Er wird nicht noch einmal angezeigt. Legen Sie ihn auf dem Host des Agenten in %1 ab.</translation>
    </message>
    <message>
        <location line="+24"/>
        <location line="+7"/>
        <source>Delete agent</source>
        <translation>Agent löschen</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>Delete %1 and its heartbeat history? This cannot be undone.</source>
        <translation>%1 und seinen Heartbeat-Verlauf löschen? Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Not deleted: %1</source>
        <translation>Nicht gelöscht: %1</translation>
    </message>
</context>
<context>
    <name>vigil::ui::EditCommands</name>
    <message>
        <location filename="../ui/editor/editcommands.cpp" line="+43"/>
        <source>Insert step %1</source>
        <translation>Schritt %1 einfügen</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Remove step %1</source>
        <translation>Schritt %1 entfernen</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Move step %1</source>
        <translation>Schritt %1 verschieben</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>handler</source>
        <translation>Funktion</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>config</source>
        <translation>Konfiguration</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>timeout</source>
        <translation>Zeitlimit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>delay</source>
        <translation>Verzögerung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>retry policy</source>
        <translation>Richtlinie für erneute Versuche</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>on false</source>
        <translation>Verhalten bei „falsch“</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Set %1 of %2</source>
        <translation>%1 von %2 festlegen</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Add branch</source>
        <translation>Zweig hinzufügen</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Remove branch</source>
        <translation>Zweig entfernen</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Change workflow properties</source>
        <translation>Workflow-Eigenschaften ändern</translation>
    </message>
</context>
<context>
    <name>vigil::ui::FleetModel</name>
    <message>
        <location filename="../ui/fleet/fleetmodel.cpp" line="+168"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tenant</source>
        <translation>Mandant</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Environment</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Interval</source>
        <translation>Intervall</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Misses</source>
        <translation>Verpasst</translation>
    </message>
</context>
<context>
    <name>vigil::ui::FleetView</name>
    <message>
        <location filename="../ui/fleet/fleetview.cpp" line="+78"/>
        <source>Agents as tiles</source>
        <translation>Agenten als Kacheln</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Agents as a table</source>
        <translation>Agenten als Tabelle</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Search id or tag (Ctrl+F)</source>
        <translation>Nach ID oder Tag suchen (Ctrl+F)</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Tenant</source>
        <translation>Mandant</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Environment</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tag</source>
        <translation>Tag</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Show only agents that are %1 (click again to show all)</source>
        <translation>Nur Agenten mit Zustand „%1“ anzeigen (erneut klicken, um alle anzuzeigen)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Tiles</source>
        <translation>Kacheln</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Alt+1</source>
        <translation>Ctrl+Alt+1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Table</source>
        <translation>Tabelle</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Alt+2</source>
        <translation>Ctrl+Alt+2</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>All tenants</source>
        <translation>Alle Mandanten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All environments</source>
        <translation>Alle Umgebungen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All tags</source>
        <translation>Alle Tags</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>%1 of %2 agents</source>
        <translation>%1 von %2 Agenten</translation>
    </message>
</context>
<context>
    <name>vigil::ui::IncidentsModel</name>
    <message>
        <location filename="../ui/signals/incidentsmodel.cpp" line="+51"/>
        <source>Could not list incidents: %1</source>
        <translation>Vorfälle konnten nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <location line="+68"/>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Severity</source>
        <translation>Schweregrad</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resource</source>
        <translation>Ressource</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Opened</source>
        <translation>Eröffnet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolved</source>
        <translation>Behoben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
</context>
<context>
    <name>vigil::ui::IncidentsView</name>
    <message>
        <location filename="../ui/signals/incidentsview.cpp" line="+30"/>
        <source>Open</source>
        <translation>Offen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolved</source>
        <translation>Behoben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All</source>
        <translation>Alle</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open &amp;run</source>
        <translation>&amp;Lauf öffnen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Re&amp;fresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
</context>
<context>
    <name>vigil::ui::JsonEdit</name>
    <message>
        <location filename="../ui/editor/jsonedit.cpp" line="+60"/>
        <source>Not valid JSON: %1</source>
        <translation>Kein gültiges JSON: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Expected a JSON array</source>
        <translation>JSON-Array erwartet</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Expected a JSON object</source>
        <translation>JSON-Objekt erwartet</translation>
    </message>
</context>
<context>
    <name>vigil::ui::JsonView</name>
    <message>
        <location filename="../ui/runs/jsonview.cpp" line="+20"/>
        <source>Show all</source>
        <translation>Alles anzeigen</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Showing %1 of %2 characters.</source>
        <translation>%1 von %2 Zeichen werden angezeigt.</translation>
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
        <translation>Datenbank wird geöffnet…</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Fleet</source>
        <translation>Flotte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Workflows</source>
        <translation>Workflows</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Signals</source>
        <translation>Signale</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Incidents</source>
        <translation>Vorfälle</translation>
    </message>
    <message>
        <source>This view is not available in this build.</source>
        <translation type="vanished">Diese Ansicht ist in dieser Programmversion nicht enthalten.</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Full Screen</source>
        <translation>&amp;Vollbild</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About Vigil</source>
        <translation>Ü&amp;ber Vigil</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About Vigil</source>
        <translation>Über Vigil</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;Vigil %1&lt;/h3&gt;&lt;p&gt;Fleet liveness and workflow runs.&lt;/p&gt;&lt;p&gt;Licensed under the GNU General Public License, version 3 or later.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Vigil %1&lt;/h3&gt;&lt;p&gt;Lebenszeichen der Flotte und Workflow-Läufe.&lt;/p&gt;&lt;p&gt;Lizenziert unter der GNU General Public License, Version 3 oder später.&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Listening on %1</source>
        <translation>Lauscht auf %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Heartbeats: %1/heartbeat/&lt;id&gt;</source>
        <translation>Heartbeats: %1/heartbeat/&lt;id&gt;</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cannot start: %1</source>
        <translation>Start nicht möglich: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vigil cannot start</source>
        <translation>Vigil kann nicht starten</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Vigil cannot start: %1</source>
        <translation>Vigil kann nicht starten: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Settings…</source>
        <translation>Einstellungen…</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>%1 (run %2)</source>
        <translation>%1 (Lauf %2)</translation>
    </message>
</context>
<context>
    <name>vigil::ui::MessageBar</name>
    <message>
        <location filename="../ui/runs/messagebar.cpp" line="+25"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
</context>
<context>
    <name>vigil::ui::OverviewView</name>
    <message>
        <location filename="../ui/fleet/overviewview.cpp" line="+68"/>
        <source>Heartbeats per second (5 s average)</source>
        <translation>Heartbeats pro Sekunde (5-s-Mittelwert)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>accepted</source>
        <translation>angenommen</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Agents by state</source>
        <translation>Agenten nach Zustand</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Runs per minute by status (last hour)</source>
        <translation>Läufe pro Minute nach Status (letzte Stunde)</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Double-click (or Enter) opens the agent, or the run that opened the incident.</source>
        <translation>Doppelklick (oder Eingabetaste) öffnet den Agenten oder den Lauf, der den Vorfall eröffnet hat.</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>Open incidents</source>
        <translation>Offene Vorfälle</translation>
    </message>
    <message>
        <location line="+150"/>
        <source>Cannot read incidents: %1</source>
        <translation>Vorfälle können nicht gelesen werden: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n open incident(s)</source>
        <translation>
            <numerusform>%n offener Vorfall</numerusform>
            <numerusform>%n offene Vorfälle</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>More than %1 open incidents</source>
        <translation>Mehr als %1 offene Vorfälle</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 — %2 (%3, opened %4)</source>
        <translation>%1 — %2 (%3, eröffnet %4)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Nothing is open.</source>
        <translation>Nichts ist offen.</translation>
    </message>
</context>
<context>
    <name>vigil::ui::Presentation</name>
    <message>
        <location filename="../ui/common/presentation.cpp" line="+73"/>
        <source>new</source>
        <translation>neu</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>up</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>late</source>
        <translation>verspätet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>down</source>
        <translation>ausgefallen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>paused</source>
        <translation>pausiert</translation>
    </message>
    <message>
        <location line="+9"/>
        <location line="+19"/>
        <source>pending</source>
        <translation>ausstehend</translation>
    </message>
    <message>
        <location line="-17"/>
        <location line="+21"/>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <location line="-19"/>
        <source>waiting</source>
        <translation>wartet</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+19"/>
        <source>completed</source>
        <translation>abgeschlossen</translation>
    </message>
    <message>
        <location line="-17"/>
        <location line="+19"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location line="-17"/>
        <source>canceled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>scheduled</source>
        <translation>geplant</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>skipped</source>
        <translation>übersprungen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>just now</source>
        <translation>gerade eben</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 s ago</source>
        <translation>vor %1 s</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 min ago</source>
        <translation>vor %1 min</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 h ago</source>
        <translation>vor %1 h</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 d ago</source>
        <translation>vor %1 d</translation>
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
        <translation>%1 konnte nicht erneut versucht werden: %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>canceled from the dashboard</source>
        <translation>im Dashboard abgebrochen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Could not cancel %1: %2</source>
        <translation>%1 konnte nicht abgebrochen werden: %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Could not replay signal %1: %2</source>
        <translation>Signal %1 konnte nicht wiederholt werden: %2</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Replaying signal %1 started no run: no enabled workflow matches it.</source>
        <translation>Die Wiederholung von Signal %1 hat keinen Lauf gestartet: Kein aktivierter Workflow passt dazu.</translation>
    </message>
</context>
<context>
    <name>vigil::ui::RunView</name>
    <message>
        <location filename="../ui/runs/runview.cpp" line="+64"/>
        <location line="+1"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Level</source>
        <translation>Stufe</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Data</source>
        <translation>Daten</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Run %1</source>
        <translation>Lauf %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Retry</source>
        <translation>&amp;Erneut versuchen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Cancel</source>
        <translation>A&amp;bbrechen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Re&amp;play</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Dry-run replay</source>
        <translation>Als &amp;Probelauf wiederholen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom in</source>
        <translation>Vergrößern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom out</source>
        <translation>Verkleinern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Fit</source>
        <translation>Einpassen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Timeline</source>
        <translation>Zeitleiste</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Logs</source>
        <translation>Protokolle</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Step result</source>
        <translation>Schrittergebnis</translation>
    </message>
    <message>
        <location line="+125"/>
        <source>Could not read run %1: %2</source>
        <translation>Lauf %1 konnte nicht gelesen werden: %2</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>replay</source>
        <translation>Wiederholung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>dry run</source>
        <translation>Probelauf</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not started</source>
        <translation>nicht gestartet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&lt;b&gt;%1&lt;/b&gt; &amp;nbsp; &lt;span style=&quot;color:%2&quot;&gt;●&lt;/span&gt; %3 &amp;nbsp; %4 &amp;nbsp; %5 %6&lt;br/&gt;&lt;small&gt;%7 · tenant %8 · signal %9&lt;/small&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; &amp;nbsp; &lt;span style=&quot;color:%2&quot;&gt;●&lt;/span&gt; %3 &amp;nbsp; %4 &amp;nbsp; %5 %6&lt;br/&gt;&lt;small&gt;%7 · Mandant %8 · Signal %9&lt;/small&gt;</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Canceled: %1</source>
        <translation>Abgebrochen: %1</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Step: %1</source>
        <translation>Schritt: %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>%1 has no result (%2).</source>
        <translation>%1 hat kein Ergebnis (%2).</translation>
    </message>
    <message numerus="yes">
        <location line="+47"/>
        <source>The dry-run replay started %n run(s). Open it?</source>
        <translation>
            <numerusform>Die Wiederholung als Probelauf hat %n Lauf gestartet. Öffnen?</numerusform>
            <numerusform>Die Wiederholung als Probelauf hat %n Läufe gestartet. Den ersten öffnen?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>The replay started %n run(s). Open it?</source>
        <translation>
            <numerusform>Die Wiederholung hat %n Lauf gestartet. Öffnen?</numerusform>
            <numerusform>Die Wiederholung hat %n Läufe gestartet. Den ersten öffnen?</numerusform>
        </translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open the new run?</source>
        <translation>Den neuen Lauf öffnen?</translation>
    </message>
</context>
<context>
    <name>vigil::ui::RunsModel</name>
    <message>
        <location filename="../ui/runs/runsmodel.cpp" line="+72"/>
        <source>Could not list runs: %1</source>
        <translation>Läufe konnten nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Could not list workflows: %1</source>
        <translation>Workflows konnten nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <location line="+112"/>
        <source>Canceled: %1</source>
        <translation>Abgebrochen: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Created %1</source>
        <translation>Erstellt %1</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>replay</source>
        <translation>Wiederholung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>dry run</source>
        <translation>Probelauf</translation>
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
        <translation>Mandant</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Signal</source>
        <translation>Signal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Marks</source>
        <translation>Kennzeichen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Id</source>
        <translation>ID</translation>
    </message>
</context>
<context>
    <name>vigil::ui::RunsView</name>
    <message>
        <location filename="../ui/runs/runsview.cpp" line="+50"/>
        <source>Any status</source>
        <translation>Jeder Status</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+149"/>
        <source>Any workflow</source>
        <translation>Jeder Workflow</translation>
    </message>
    <message>
        <location line="-147"/>
        <source>Tenant</source>
        <translation>Mandant</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>All time</source>
        <translation>Gesamter Zeitraum</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Open</source>
        <translation>Ö&amp;ffnen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Retry</source>
        <translation>&amp;Erneut versuchen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Retry the selected failed runs (Ctrl+R)</source>
        <translation>Die ausgewählten fehlgeschlagenen Läufe erneut versuchen (Ctrl+R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re&amp;play</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Replay the signals of the selected runs (Ctrl+Shift+R)</source>
        <translation>Die Signale der ausgewählten Läufe wiederholen (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Dry-run replay</source>
        <translation>Als &amp;Probelauf wiederholen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Replay the signals without running actions or delays (Ctrl+D)</source>
        <translation>Die Signale wiederholen, ohne Aktionen oder Verzögerungen auszuführen (Ctrl+D)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Cancel</source>
        <translation>A&amp;bbrechen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel the selected runs that have not ended (Ctrl+.)</source>
        <translation>Die ausgewählten, noch nicht beendeten Läufe abbrechen (Ctrl+.)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re&amp;fresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message numerus="yes">
        <location line="+162"/>
        <source>%n runs loaded; scroll for more</source>
        <translation>
            <numerusform>%n Lauf geladen; für weitere scrollen</numerusform>
            <numerusform>%n Läufe geladen; für weitere scrollen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n runs</source>
        <translation>
            <numerusform>%n Lauf</numerusform>
            <numerusform>%n Läufe</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+18"/>
        <source>Runs retried: %n</source>
        <translation>
            <numerusform>Erneut versuchte Läufe: %n</numerusform>
            <numerusform>Erneut versuchte Läufe: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+18"/>
        <source>Dry-run replays started: %n</source>
        <translation>
            <numerusform>Gestartete Wiederholungen als Probelauf: %n</numerusform>
            <numerusform>Gestartete Wiederholungen als Probelauf: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Replays started: %n</source>
        <translation>
            <numerusform>Gestartete Wiederholungen: %n</numerusform>
            <numerusform>Gestartete Wiederholungen: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+11"/>
        <source>Runs canceled: %n</source>
        <translation>
            <numerusform>Abgebrochene Läufe: %n</numerusform>
            <numerusform>Abgebrochene Läufe: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>vigil::ui::SettingsDialog</name>
    <message>
        <location filename="../ui/settings/settingsdialog.cpp" line="+44"/>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Embedded SQLite file</source>
        <translation>Eingebettete SQLite-Datei</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>PostgreSQL (shared by several nodes)</source>
        <translation>PostgreSQL (von mehreren Knoten gemeinsam genutzt)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Test connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Database changes take effect when Vigil starts again.</source>
        <translation>Änderungen an der Datenbank werden beim nächsten Start von Vigil wirksam.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Database</source>
        <translation>Datenbank</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Listen address:</source>
        <translation>Lauschadresse:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Generate a new token</source>
        <translation>Neues Token erzeugen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Admin API token:</source>
        <translation>Token der Admin-API:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Register unknown agents on their first heartbeat</source>
        <translation>Unbekannte Agenten bei ihrem ersten Heartbeat registrieren</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep heartbeat history:</source>
        <translation>Heartbeat-Verlauf aufbewahren:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>These take effect when Vigil starts again.</source>
        <translation>Diese Einstellungen werden beim nächsten Start von Vigil wirksam.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Programs the run_command step may start (absolute paths or names):</source>
        <translation>Programme, die der Schritt run_command starten darf (absolute Pfade oder Namen):</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add…</source>
        <translation>Hinzufügen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Engine</source>
        <translation>Ausführung</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>When an agent goes down</source>
        <translation>Wenn ein Agent ausfällt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>When an agent recovers</source>
        <translation>Wenn ein Agent wieder aktiv ist</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>When a run fails</source>
        <translation>Wenn ein Lauf fehlschlägt</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Notifications</source>
        <translation>Benachrichtigungen</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>SQLite database</source>
        <translation>SQLite-Datenbank</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
        <translation>SQLite-Datenbanken (*.db *.sqlite);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Allow a program</source>
        <translation>Programm erlauben</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Program (absolute path or name):</source>
        <translation>Programm (absoluter Pfad oder Name):</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>The PostgreSQL URL must look like postgres://user:password@host:5432/database.</source>
        <translation>Die PostgreSQL-URL muss die Form postgres://benutzer:passwort@host:5432/datenbank haben.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Listen address: %1</source>
        <translation>Lauschadresse: %1</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Connecting…</source>
        <translation>Verbindung wird hergestellt…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Connected to %1 (schema version %2).</source>
        <translation>Verbunden mit %1 (Schemaversion %2).</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connected to %1.</source>
        <translation>Verbunden mit %1.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cannot connect: %1</source>
        <translation>Verbindung nicht möglich: %1</translation>
    </message>
</context>
<context>
    <name>vigil::ui::SignalsModel</name>
    <message>
        <location filename="../ui/signals/signalsmodel.cpp" line="+55"/>
        <source>Could not list signals: %1</source>
        <translation>Signale konnten nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <location line="+94"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tenant</source>
        <translation>Mandant</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resource</source>
        <translation>Ressource</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Environment</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Id</source>
        <translation>ID</translation>
    </message>
</context>
<context>
    <name>vigil::ui::SignalsView</name>
    <message>
        <location filename="../ui/signals/signalsview.cpp" line="+34"/>
        <source>Type, e.g. agent.missed</source>
        <translation>Typ, z. B. agent.missed</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tenant</source>
        <translation>Mandant</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Re&amp;play</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Dry-run replay</source>
        <translation>Als &amp;Probelauf wiederholen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show &amp;runs</source>
        <translation>&amp;Läufe anzeigen</translation>
    </message>
    <message>
        <location line="+76"/>
        <source>Select a signal to see its payload.</source>
        <translation>Wählen Sie ein Signal aus, um seine Nutzdaten zu sehen.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Signal %1 is not among the loaded ones; scroll or filter to find it.</source>
        <translation>Signal %1 ist nicht unter den geladenen; scrollen oder filtern Sie, um es zu finden.</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source>Dry-run replays started: %n</source>
        <translation>
            <numerusform>Gestartete Wiederholungen als Probelauf: %n</numerusform>
            <numerusform>Gestartete Wiederholungen als Probelauf: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Replays started: %n</source>
        <translation>
            <numerusform>Gestartete Wiederholungen: %n</numerusform>
            <numerusform>Gestartete Wiederholungen: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>vigil::ui::StepPropertiesPanel</name>
    <message>
        <location filename="../ui/editor/steppropertiespanel.cpp" line="+33"/>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Condition</source>
        <translation>Bedingung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delay</source>
        <translation>Verzögerung</translation>
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
        <translation>(nicht festgelegt)</translation>
    </message>
    <message>
        <location line="-103"/>
        <source>(default: %1)</source>
        <translation>(Standard: %1)</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>%1 step</source>
        <translation>Schritt (%1)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Path:</source>
        <translation>Pfad:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>(same as the step name)</source>
        <translation>(wie der Schrittname)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>%1 (not registered)</source>
        <translation>%1 (nicht registriert)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Action:</source>
        <translation>&amp;Aktion:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Condition:</source>
        <translation>&amp;Bedingung:</translation>
    </message>
    <message>
        <location line="+18"/>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Delay:</source>
        <translation>&amp;Verzögerung:</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Complete the run</source>
        <translation>Lauf abschließen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Skip the next step</source>
        <translation>Nächsten Schritt überspringen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Skip the next N steps</source>
        <translation>Die nächsten N Schritte überspringen</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>When &amp;false:</source>
        <translation>Wenn &amp;falsch:</translation>
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
        <translation>(keins)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Timeout:</source>
        <translation>&amp;Zeitlimit:</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;Retry on failure</source>
        <translation>Bei Fehler &amp;erneut versuchen</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Max attempts:</source>
        <translation>Max. Versuche:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Backoff:</source>
        <translation>Wartezeit zwischen Versuchen:</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Add branch</source>
        <translation>Zweig hinzufügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove last branch</source>
        <translation>Letzten Zweig entfernen</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Branches: %1</source>
        <translation>Zweige: %1</translation>
    </message>
    <message>
        <location line="+104"/>
        <source>true</source>
        <translation>wahr</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>false</source>
        <translation>falsch</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>{ } (no config)</source>
        <translation>{ } (keine Konfiguration)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Config as JSON:</source>
        <translation>Konfiguration als JSON:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Config (JSON):</source>
        <translation>Konfiguration (JSON):</translation>
    </message>
</context>
<context>
    <name>vigil::ui::TestRunDialog</name>
    <message>
        <location filename="../ui/editor/testrundialog.cpp" line="+36"/>
        <source>Test run of %1</source>
        <translation>Testlauf von %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The sample signal below starts one dry run of the saved workflow: conditions are evaluated, actions and delays are skipped, no other workflow runs.</source>
        <translation>Das Beispielsignal unten startet einen Probelauf des gespeicherten Workflows: Bedingungen werden ausgewertet, Aktionen und Verzögerungen übersprungen, kein anderer Workflow läuft.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Start dry run</source>
        <translation>Probelauf starten</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>expected a JSON object</source>
        <translation>JSON-Objekt erwartet</translation>
    </message>
</context>
<context>
    <name>vigil::ui::TileDelegate</name>
    <message>
        <location filename="../ui/fleet/tiledelegate.cpp" line="+65"/>
        <source>%1 · last seen %2</source>
        <translation>%1 · zuletzt gesehen %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 · never seen</source>
        <translation>%1 · nie gesehen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>no recent heartbeats</source>
        <translation>keine aktuellen Heartbeats</translation>
    </message>
</context>
<context>
    <name>vigil::ui::TimelineLayout</name>
    <message>
        <source>Run</source>
        <translation type="vanished">Lauf</translation>
    </message>
    <message>
        <location filename="../ui/runs/timelinelayout.cpp" line="+88"/>
        <source>%1 · branch %2</source>
        <translation>%1 · Zweig %2</translation>
    </message>
    <message>
        <source>parallel</source>
        <translation type="vanished">parallel</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>waiting</source>
        <translation>wartet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 — waiting
%2
Waited: %3</source>
        <translation>%1 — wartet
%2
Gewartet: %3</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Delay</source>
        <translation>Verzögerung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Due, not yet started</source>
        <translation>Fällig, noch nicht gestartet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retry back-off before attempt %1</source>
        <translation>Wartezeit vor Versuch %1</translation>
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
        <translation>Versuch %1: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Started: %1</source>
        <translation>Gestartet: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ended: %1</source>
        <translation>Beendet: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Duration: %1</source>
        <translation>Dauer: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Late by: %1</source>
        <translation>Verspätung: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Error: %1</source>
        <translation>Fehler: %1</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 — skipped</source>
        <translation>%1 — übersprungen</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Due at %1</source>
        <translation>Fällig um %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pending</source>
        <translation>Ausstehend</translation>
    </message>
</context>
<context>
    <name>vigil::ui::TrayNotifier</name>
    <message>
        <location filename="../ui/app/traynotifier.cpp" line="+45"/>
        <source>Show Vigil</source>
        <translation>Vigil anzeigen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Vigil — %1 up, %2 late, %3 down, %4 paused, %5 new</source>
        <translation>Vigil — %1 aktiv, %2 verspätet, %3 ausgefallen, %4 pausiert, %5 neu</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source> and %n more</source>
        <translation>
            <numerusform> und %n weiterer</numerusform>
            <numerusform> und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <location line="+15"/>
        <source>It reported a failure.</source>
        <translation>Es hat einen Fehler gemeldet.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Agent down: %1</source>
        <translation>Agent ausgefallen: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+0"/>
        <source>%n agents are down</source>
        <translation>
            <numerusform>%n Agent ist ausgefallen</numerusform>
            <numerusform>%n Agenten sind ausgefallen</numerusform>
        </translation>
    </message>
    <message>
        <location line="-3"/>
        <source>No heartbeat within its interval and grace.</source>
        <translation>Kein Heartbeat innerhalb von Intervall und Toleranz.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Agent recovered: %1</source>
        <translation>Agent wieder aktiv: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n agents recovered</source>
        <translation>
            <numerusform>%n Agent ist wieder aktiv</numerusform>
            <numerusform>%n Agenten sind wieder aktiv</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Heartbeats are arriving again.</source>
        <translation>Es kommen wieder Heartbeats an.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Run failed</source>
        <translation>Lauf fehlgeschlagen</translation>
    </message>
    <message numerus="yes">
        <location line="+0"/>
        <source>%n runs failed</source>
        <translation>
            <numerusform>%n Lauf ist fehlgeschlagen</numerusform>
            <numerusform>%n Läufe sind fehlgeschlagen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowCanvas</name>
    <message>
        <location filename="../ui/editor/workflowcanvas.cpp" line="+55"/>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Condition</source>
        <translation>Bedingung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delay</source>
        <translation>Verzögerung</translation>
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
        <translation>wenn falsch</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>(no trigger)</source>
        <translation>(kein Auslöser)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trigger · cron %1</source>
        <translation>Auslöser · Cron %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Trigger</source>
        <translation>Auslöser</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>(unnamed)</source>
        <translation>(unbenannt)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Delay · %1</source>
        <translation>Verzögerung · %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>not set</source>
        <translation>nicht festgelegt</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>Parallel · %n branch(es)</source>
        <translation>
            <numerusform>Parallel · %n Zweig</numerusform>
            <numerusform>Parallel · %n Zweige</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowEditor</name>
    <message>
        <location filename="../ui/editor/workfloweditor.cpp" line="+67"/>
        <source>Insert &amp;action</source>
        <translation>&amp;Aktion einfügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert &amp;condition</source>
        <translation>&amp;Bedingung einfügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert &amp;delay</source>
        <translation>&amp;Verzögerung einfügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert &amp;parallel</source>
        <translation>&amp;Parallelen Block einfügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Delete step</source>
        <translation>Schritt &amp;löschen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move step &amp;up</source>
        <translation>Schritt nach &amp;oben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move step do&amp;wn</source>
        <translation>Schritt nach &amp;unten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add &amp;branch</source>
        <translation>&amp;Zweig hinzufügen</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Runs a registered action (Insert)</source>
        <translation>Führt eine registrierte Aktion aus (Insert)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Condition</source>
        <translation>Bedingung</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Continues only when true (Shift+Insert)</source>
        <translation>Fährt nur fort, wenn wahr (Shift+Insert)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delay</source>
        <translation>Verzögerung</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Waits, durably (Ctrl+Insert)</source>
        <translation>Wartet, dauerhaft gespeichert (Ctrl+Insert)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parallel</source>
        <translation>Parallel</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Runs branches at once (Ctrl+Shift+Insert)</source>
        <translation>Führt Zweige gleichzeitig aus (Ctrl+Shift+Insert)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Drag onto the canvas, or double-click to add after the selection.</source>
        <translation>Auf die Arbeitsfläche ziehen oder doppelklicken, um es nach der Auswahl einzufügen.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>No problems</source>
        <translation>Keine Probleme</translation>
    </message>
    <message numerus="yes">
        <location line="+0"/>
        <source>%n problem(s)</source>
        <translation>
            <numerusform>%n Problem</numerusform>
            <numerusform>%n Probleme</numerusform>
        </translation>
    </message>
    <message>
        <location line="+95"/>
        <source>Insert action here</source>
        <translation>Aktion hier einfügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert condition here</source>
        <translation>Bedingung hier einfügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert delay here</source>
        <translation>Verzögerung hier einfügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Insert parallel here</source>
        <translation>Parallelen Block hier einfügen</translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowListModel</name>
    <message>
        <location filename="../ui/editor/workflowlistmodel.cpp" line="+88"/>
        <source>%1 (cron)</source>
        <translation>%1 (Cron)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>never ran</source>
        <translation>nie gelaufen</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trigger</source>
        <translation>Auslöser</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enabled</source>
        <translation>Aktiviert</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last run</source>
        <translation>Letzter Lauf</translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowPropertiesPanel</name>
    <message>
        <location filename="../ui/editor/workflowpropertiespanel.cpp" line="+32"/>
        <source>No schedule: the workflow runs on signals only.</source>
        <translation>Kein Zeitplan: Der Workflow läuft nur bei Signalen.</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+3"/>
        <source>Invalid: %1</source>
        <translation>Ungültig: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Never fires within five years.</source>
        <translation>Löst innerhalb von fünf Jahren nie aus.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next firings:</source>
        <translation>Nächste Auslösungen:</translation>
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
        <translation>&amp;Beschreibung:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Tenant:</source>
        <translation>&amp;Mandant:</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>T&amp;rigger type:</source>
        <translation>&amp;Auslösertyp:</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>&amp;Environment filter:</source>
        <translation>&amp;Umgebungsfilter:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>any environment</source>
        <translation>jede Umgebung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resource t&amp;ype filter:</source>
        <translation>&amp;Ressourcentyp-Filter:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>any resource type</source>
        <translation>jeder Ressourcentyp</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Runs when its trigger fires</source>
        <translation>Läuft, wenn sein Auslöser auslöst</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enabled:</source>
        <translation>Aktiviert:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Schedule</source>
        <translation>Zeitplan</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>minute hour day month weekday, e.g. 0 2 * * *</source>
        <translation>Minute Stunde Tag Monat Wochentag, z. B. 0 2 * * *</translation>
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
        <translation>&amp;Zeitzone:</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Workflow config (JSON, ctx.config)</source>
        <translation>Workflow-Konfiguration (JSON, ctx.config)</translation>
    </message>
</context>
<context>
    <name>vigil::ui::WorkflowsView</name>
    <message>
        <location filename="../ui/editor/workflowsview.cpp" line="+59"/>
        <source>&amp;New</source>
        <translation>&amp;Neu</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Undo</source>
        <translation>&amp;Rückgängig</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Redo</source>
        <translation>&amp;Wiederherstellen</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;Import…</source>
        <translation>&amp;Importieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Export…</source>
        <translation>E&amp;xportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restore defaults</source>
        <translation>Standards wiederherstellen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Create again the default workflows that are missing (incident on missed heartbeat, incident on reported failure, resolve on recovery); those present stay as they are</source>
        <translation>Fehlende Standard-Workflows neu anlegen (Vorfall bei fehlendem Heartbeat, Vorfall bei gemeldetem Fehler, Auflösen bei Erholung); vorhandene bleiben unverändert</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+110"/>
        <source>Disable</source>
        <translation>Deaktivieren</translation>
    </message>
    <message>
        <location line="-109"/>
        <source>&amp;Test run…</source>
        <translation>&amp;Testlauf…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+315"/>
        <source>Delete workflow</source>
        <translation>Workflow löschen</translation>
    </message>
    <message>
        <location line="-272"/>
        <source>Import workflows</source>
        <translation>Workflows importieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pulse workflow JSON (*.json);;All files (*)</source>
        <translation>Pulse-Workflow-JSON (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export workflow</source>
        <translation>Workflow exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pulse workflow JSON (*.json)</source>
        <translation>Pulse-Workflow-JSON (*.json)</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Save (%1)</source>
        <translation>Speichern (%1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fix the problems listed under the canvas before saving</source>
        <translation>Beheben Sie vor dem Speichern die unter der Arbeitsfläche aufgeführten Probleme</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Enable</source>
        <translation>Aktivieren</translation>
    </message>
    <message numerus="yes">
        <location line="+5"/>
        <source>Cannot save: %n problem(s), listed under the canvas.</source>
        <translation>
            <numerusform>Speichern nicht möglich: %n Problem, aufgeführt unter der Arbeitsfläche.</numerusform>
            <numerusform>Speichern nicht möglich: %n Probleme, aufgeführt unter der Arbeitsfläche.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unsaved changes to version %1.</source>
        <translation>Ungespeicherte Änderungen an Version %1.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Not saved yet.</source>
        <translation>Noch nicht gespeichert.</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+130"/>
        <source>Saved: version %1.</source>
        <translation>Gespeichert: Version %1.</translation>
    </message>
    <message>
        <location line="-120"/>
        <source>Unsaved changes</source>
        <translation>Ungespeicherte Änderungen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The workflow &quot;%1&quot; has unsaved changes. Discard them?</source>
        <translation>Der Workflow „%1“ hat ungespeicherte Änderungen. Verwerfen?</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Could not load workflows: %1</source>
        <translation>Workflows konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>New workflow</source>
        <translation>Neuer Workflow</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Cannot save: %1</source>
        <translation>Speichern nicht möglich: %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Not saved: the workflow was changed elsewhere (%1). Reload it, then edit again.</source>
        <translation>Nicht gespeichert: Der Workflow wurde anderswo geändert (%1). Laden Sie ihn neu und bearbeiten Sie ihn dann erneut.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 holds no workflow.</source>
        <translation>%1 enthält keinen Workflow.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Cannot import %1: %2</source>
        <translation>%1 kann nicht importiert werden: %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Imported &quot;%1&quot;: not saved yet.</source>
        <translation>„%1“ importiert: noch nicht gespeichert.</translation>
    </message>
    <message numerus="yes">
        <location line="+18"/>
        <source>Imported %n workflow(s).</source>
        <translation>
            <numerusform>%n Workflow importiert.</numerusform>
            <numerusform>%n Workflows importiert.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refused: %1</source>
        <translation>Abgelehnt: %1</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Delete &quot;%1&quot;? Its runs keep their copy of it.</source>
        <translation>„%1“ löschen? Seine Läufe behalten ihre eigene Kopie davon.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not deleted: %1</source>
        <translation>Nicht gelöscht: %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Deleted.</source>
        <translation>Gelöscht.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Could not change the workflow: %1</source>
        <translation>Der Workflow konnte nicht geändert werden: %1</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Could not restore the default workflows: %1</source>
        <translation>Die Standard-Workflows konnten nicht wiederhergestellt werden: %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The default workflows are all there; nothing was changed.</source>
        <translation>Alle Standard-Workflows sind vorhanden; nichts wurde geändert.</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Restored %n default workflow(s): %1.</source>
        <translation>
            <numerusform>%n Standard-Workflow wiederhergestellt: %1.</numerusform>
            <numerusform>%n Standard-Workflows wiederhergestellt: %1.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Test run</source>
        <translation>Testlauf</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A test run uses the saved workflow. Save your changes first to test them.</source>
        <translation>Ein Testlauf verwendet den gespeicherten Workflow. Speichern Sie Ihre Änderungen zuerst, um sie zu testen.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Test run refused: %1</source>
        <translation>Testlauf abgelehnt: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Test run %1 started (dry run).</source>
        <translation>Testlauf %1 gestartet (Probelauf).</translation>
    </message>
</context>
<context>
    <name>vigild</name>
    <message>
        <source>Vigil&apos;s engine and heartbeat collector, headless.</source>
        <translation type="vanished">Workflow-Ausführung und Heartbeat-Sammler von Vigil, ohne Oberfläche.</translation>
    </message>
    <message>
        <source>Open and migrate the database, print its schema version and each table&apos;s row count, and exit.</source>
        <translation type="vanished">Datenbank öffnen und migrieren, ihre Schemaversion und die Zeilenzahl jeder Tabelle ausgeben und beenden.</translation>
    </message>
</context>
</TS>
