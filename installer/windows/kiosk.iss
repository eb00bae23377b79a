; Inno Setup script for the counter kiosk on a Windows office PC (Windows 10/11, x64).
;
;   1. Build the program folder:   pyinstaller --noconfirm --clean installer\windows\kiosk.spec
;   2. Build the installer:        iscc installer\windows\kiosk.iss     -> installer\windows\Output\kiosk-setup.exe
;
; What the installer does: copies dist\kiosk\ to Program Files; sets the Smart Card service
; (SCardSvr) to start automatically and starts it; adds Start-menu entries, an autostart
; entry of the full-screen counter for all users (optional task), and a scheduled task
; that runs `kiosk outbox flush` every 5 minutes in the kiosk user's session (the terminal
; secret lives in that user's Credential Manager). The uninstaller removes the program,
; the shortcuts and the task, and keeps the database and the keys.
; Note: Windows stops SCardSvr when the last reader is unplugged and starts it again when a
; reader is plugged in; the kiosk rebuilds its PC/SC context by itself, `kiosk doctor`
; reports the service (check pcsc_service).

#define AppName "Counter kiosk"
#define AppVersion "0.1.0"

[Setup]
AppId={{6E0F3C59-6B7A-4E0B-9C43-5D6B2A0C4B11}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Shopping street office
DefaultDirName={autopf}\Kiosk
DefaultGroupName={#AppName}
OutputBaseFilename=kiosk-setup
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\kiosk-gui.exe

[Languages]
Name: "japanese"; MessagesFile: "compiler:Languages\Japanese.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "autostart"; Description: "ログオン時に窓口画面を全画面で起動 / start the counter full screen at logon"
Name: "outboxtask"; Description: "精算記録を5分ごとに送信 / upload settlement records every 5 minutes"

[Files]
Source: "..\..\dist\kiosk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "README.md"; DestDir: "{app}"; DestName: "README-install.md"; Flags: ignoreversion

[Icons]
Name: "{group}\ポイント交換窓口 (Counter kiosk)"; Filename: "{app}\kiosk-gui.exe"; Parameters: "run"
Name: "{group}\診断 (kiosk doctor)"; Filename: "{cmd}"; Parameters: "/k ""{app}\kiosk.exe"" doctor"
Name: "{commonstartup}\Counter kiosk"; Filename: "{app}\kiosk-gui.exe"; Parameters: "run --fullscreen"; Tasks: autostart

[Run]
; The smart-card service: automatic start, and started now (it may stop again while no reader is plugged in).
Filename: "{sys}\sc.exe"; Parameters: "config SCardSvr start= auto"; Flags: runhidden waituntilterminated
Filename: "{sys}\sc.exe"; Parameters: "start SCardSvr"; Flags: runhidden waituntilterminated
; Restart the service if it fails (not when it stops because the last reader left).
Filename: "{sys}\sc.exe"; Parameters: "failure SCardSvr reset= 86400 actions= restart/5000/restart/5000/restart/5000"; Flags: runhidden waituntilterminated
; The outbox uploader in the kiosk user's session (interactive: that user's Credential Manager holds the keys).
Filename: "{sys}\schtasks.exe"; Parameters: "/Create /F /TN ""KioskOutboxFlush"" /SC MINUTE /MO 5 /IT /RL LIMITED /RU ""{code:KioskUser}"" /TR ""\""{app}\kiosk-gui.exe\"" outbox flush"""; Flags: runhidden waituntilterminated; Tasks: outboxtask
Filename: "{app}\kiosk.exe"; Parameters: "doctor"; Description: "診断を実行 / run kiosk doctor now"; Flags: postinstall nowait skipifsilent shellexec

[UninstallRun]
Filename: "{sys}\schtasks.exe"; Parameters: "/Delete /F /TN ""KioskOutboxFlush"""; Flags: runhidden; RunOnceId: "DelTask"

[Code]
var
  UserPage: TInputQueryWizardPage;

procedure InitializeWizard;
begin
  UserPage := CreateInputQueryPage(wpSelectTasks, '窓口の利用者 / Kiosk user',
    '窓口画面を使う Windows ユーザー / the Windows user that runs the counter',
    '精算記録の送信タスクはこのユーザーで動きます / the upload task runs as this user.');
  UserPage.Add('ユーザー名 / user name:', False);
  UserPage.Values[0] := GetUserNameString;
end;

function KioskUser(Param: String): String;
begin
  Result := UserPage.Values[0];
end;
