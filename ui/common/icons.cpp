// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/icons.h"

#include <QApplication>
#include <QStyle>

namespace vigil::ui {

namespace {
struct IconSource
{
    const char *theme;
    QStyle::StandardPixmap fallback;
};

IconSource source(Icon which)
{
    switch (which) {
    case Icon::Fleet: return { "network-server", QStyle::SP_DriveNetIcon };
    case Icon::Runs: return { "system-run", QStyle::SP_MediaPlay };
    case Icon::Workflows: return { "document-edit", QStyle::SP_FileDialogDetailedView };
    case Icon::Signals: return { "mail-receive", QStyle::SP_FileDialogInfoView };
    case Icon::Incidents: return { "dialog-warning", QStyle::SP_MessageBoxWarning };
    case Icon::Overview: return { "view-statistics", QStyle::SP_ComputerIcon };
    case Icon::Settings: return { "preferences-system", QStyle::SP_FileDialogContentsView };
    case Icon::Pause: return { "media-playback-pause", QStyle::SP_MediaPause };
    case Icon::Resume: return { "media-playback-start", QStyle::SP_MediaPlay };
    case Icon::Edit: return { "document-properties", QStyle::SP_FileDialogDetailedView };
    case Icon::Delete: return { "edit-delete", QStyle::SP_TrashIcon };
    case Icon::Key: return { "dialog-password", QStyle::SP_DialogResetButton };
    case Icon::Copy: return { "edit-copy", QStyle::SP_FileLinkIcon };
    case Icon::Refresh: return { "view-refresh", QStyle::SP_BrowserReload };
    case Icon::Retry: return { "view-refresh", QStyle::SP_BrowserReload };
    case Icon::Replay: return { "media-seek-backward", QStyle::SP_MediaSeekBackward };
    case Icon::DryRun: return { "media-skip-forward", QStyle::SP_MediaSkipForward };
    case Icon::Cancel: return { "process-stop", QStyle::SP_BrowserStop };
    case Icon::Open: return { "document-open", QStyle::SP_DialogOpenButton };
    case Icon::New: return { "document-new", QStyle::SP_FileIcon };
    case Icon::Save: return { "document-save", QStyle::SP_DialogSaveButton };
    case Icon::Import: return { "document-import", QStyle::SP_ArrowDown };
    case Icon::Export: return { "document-export", QStyle::SP_ArrowUp };
    case Icon::Undo: return { "edit-undo", QStyle::SP_ArrowBack };
    case Icon::Redo: return { "edit-redo", QStyle::SP_ArrowForward };
    case Icon::Validate: return { "dialog-ok-apply", QStyle::SP_DialogApplyButton };
    case Icon::TestRun: return { "system-run", QStyle::SP_MediaPlay };
    case Icon::Tiles: return { "view-list-icons", QStyle::SP_FileDialogListView };
    case Icon::Table: return { "view-list-details", QStyle::SP_FileDialogDetailedView };
    case Icon::Quit: return { "application-exit", QStyle::SP_DialogCloseButton };
    case Icon::About: return { "help-about", QStyle::SP_MessageBoxInformation };
    case Icon::ZoomIn: return { "zoom-in", QStyle::SP_ArrowUp };
    case Icon::ZoomOut: return { "zoom-out", QStyle::SP_ArrowDown };
    case Icon::ZoomFit: return { "zoom-fit-best", QStyle::SP_TitleBarMaxButton };
    }
    return { "", QStyle::SP_CustomBase };
}
} // namespace

QIcon icon(Icon which)
{
    const IconSource s = source(which);
    return QIcon::fromTheme(QString::fromLatin1(s.theme), QApplication::style()->standardIcon(s.fallback));
}

} // namespace vigil::ui
